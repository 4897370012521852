// Runs every *.test.ts(x) with uvu in one process and ends with the line CI reads:
// "N passed, N failed". uvu itself prints no failed count.
import { spawn } from 'node:child_process';

// An argument narrows by path ('client/', 'rooms/'); only *.test.ts(x) files ever run, or
// uvu would import every matching source file, stylesheet and HTML page as a test.
const filter = process.argv[2];
const pattern = filter ? `^(?=.*(?:${filter})).*\\.test\\.tsx?$` : '\\.test\\.tsx?$';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', 'scripts/run-uvu.mjs', '.', pattern, '-i', 'node_modules', '-i', 'dist', '-i', '.git'],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
);
let output = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk;
});
child.on('close', (code) => {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  // A crash before the summary still counts as a failure.
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
