// uvu's own CLI, minus one thing: when the suites are done the process exits, even if a test
// left a handle open (a reconnecting client, a timer). Exit handlers still run, so throwaway
// redis-servers are stopped. Leaked handles are listed so they can be fixed at the source.
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';

const [dir, pattern, ...rest] = process.argv.slice(2);
const ignore = rest.filter((_, i) => rest[i - 1] === '-i');
const { suites } = await parse(dir, pattern, { ignore });
await run(suites, {});
setTimeout(() => {
  const open = process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap' && name !== 'Timeout');
  if (open.length > 0 && process.env.TEST_DEBUG_HANDLES) console.error(`open handles after the tests: ${open.join(', ')}`);
  process.exit(process.exitCode ?? 0);
}, 500).unref?.();
