/**
 * `npm run janus`: Debian's janus on loopback for local runs (`npm start` with the SFU), with
 * fresh secrets and the project's templates, exactly as the tests start it. Prints the three
 * settings for .env (or the shell) and runs until Ctrl-C. Needs `apt-get install janus`.
 */
import { existsSync } from 'node:fs';
import { JANUS_BINARY, startJanus } from '../testing/janus.ts';

if (!existsSync(JANUS_BINARY)) {
  console.error(`${JANUS_BINARY} not found: apt-get install janus (Debian 12 / Ubuntu 24.04)`);
  process.exit(1);
}
const janus = await startJanus({ debugLevel: 4 });
console.log(`janus is up (pid ${janus.pid()}), media on ${janus.mediaIp}. In another shell:

  JANUS_URL=${janus.url} JANUS_TOKEN_SECRET=${janus.tokenSecret} JANUS_ADMIN_KEY=${janus.adminKey} npm start

Ctrl-C stops it.`);
const stop = () => void janus.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Stay alive (the janus child is unref'd by design, so the helper never pins a test process).
setInterval(() => undefined, 1 << 30);
