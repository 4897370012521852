/**
 * `npm run bench [-- --quick] [-- NAME...]`: every benchmark in bench/, each against a
 * baseline measured in the same run, on loopback. Servers and load run in separate child
 * processes. Writes bench/results/latest.json (or quick.json) and the table in README.md.
 */
import { cpus, release, totalmem, type as osType } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createContext, type BenchContext, type BenchResult } from './lib/context.ts';
import { fanoutBench } from './fanout.ts';
import { fanout10kBench } from './fanout10k.ts';
import { throughputBench } from './throughput.ts';
import { keysBench } from './keys.ts';
import { httpBench } from './http.ts';
import { memoryBench } from './memory.ts';
import { bundlesBench } from './bundles.ts';
import { webrtcBench } from './webrtc.ts';
import { diskBench } from './disk.ts';
import { clusterBench } from './cluster.ts';
import { renderTables } from './lib/report.ts';

const BENCHES: { name: string; run(ctx: BenchContext): Promise<BenchResult> }[] = [
  { name: 'disk', run: diskBench },
  { name: 'fanout', run: fanoutBench },
  { name: 'fanout10k', run: fanout10kBench },
  { name: 'throughput', run: throughputBench },
  { name: 'keys', run: keysBench },
  { name: 'http', run: httpBench },
  { name: 'memory', run: memoryBench },
  { name: 'bundles', run: bundlesBench },
  { name: 'webrtc', run: webrtcBench },
  { name: 'cluster', run: clusterBench },
];

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const runsArg = argv.find((a) => a.startsWith('--runs='));
const filters = argv.filter((a) => !a.startsWith('--'));
const selected = BENCHES.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)));
if (selected.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}; have: ${BENCHES.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
const runs = runsArg ? Number(runsArg.slice('--runs='.length)) : quick ? 1 : 3;
const ctx = createContext({ quick, runs });
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memory_gib: Math.round(totalmem() / 2 ** 30),
  os: `${osType()} ${release()}`,
  node: process.version,
};
const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
console.log(`${command}: ${selected.map((b) => b.name).join(', ')} (${runs} run${runs > 1 ? 's' : ''} each)`);

const started = performance.now();
const results: BenchResult[] = [];
let failed = false;
try {
  for (const bench of selected) {
    const t0 = performance.now();
    console.log(`\n▶ ${bench.name}`);
    try {
      const result = await bench.run(ctx);
      result.seconds = Math.round((performance.now() - t0) / 100) / 10;
      result.command = command;
      result.date = new Date().toISOString().slice(0, 10);
      result.runs = runs;
      results.push(result);
      console.log(renderTables([result]));
    } catch (error) {
      failed = true;
      console.error(`✗ ${bench.name} failed:`, error);
    }
  }
} finally {
  await ctx.close();
}

const report = {
  date: new Date().toISOString(),
  command,
  quick,
  runs,
  machine,
  seconds: Math.round((performance.now() - started) / 1000),
  benches: results,
};
await mkdir(`${HERE}results`, { recursive: true });
if (quick) {
  await writeFile(`${HERE}results/quick.json`, JSON.stringify(report, null, 2));
} else {
  // A filtered run replaces only its benchmarks in latest.json; the others keep their last result.
  const previous = await readFile(`${HERE}results/latest.json`, 'utf8').then((t) => JSON.parse(t) as typeof report, () => null);
  const merged = previous && filters.length ? { ...report, benches: mergeBenches(previous.benches, results) } : report;
  await writeFile(`${HERE}results/latest.json`, JSON.stringify(merged, null, 2));
  await updateReadme(merged);
}
console.log(`\ndone in ${report.seconds} s${quick ? ' (quick: results/quick.json, README untouched)' : ''}`);
process.exit(failed ? 1 : 0);

function mergeBenches(old: BenchResult[], fresh: BenchResult[]): BenchResult[] {
  const byName = new Map(old.map((b) => [b.name, b]));
  for (const b of fresh) byName.set(b.name, b);
  return BENCHES.map((b) => byName.get(b.name)).filter((b): b is BenchResult => b !== undefined);
}

async function updateReadme(data: typeof report): Promise<void> {
  const path = `${HERE}README.md`;
  const readme = await readFile(path, 'utf8').catch(() => '# Benchmarks\n\n<!-- results:start -->\n<!-- results:end -->\n');
  const m = data.machine;
  const generated = [
    '<!-- results:start -->',
    `Last run: \`${data.command}\` on ${data.date.slice(0, 10)} (${data.seconds} s). Each table names the command, date and number of runs behind it; figures are medians; ratio = ours / baseline, median of per-run ratios.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.os}, Node ${m.node}; shared with other work while measured.`,
    '',
    renderTables(data.benches),
    '<!-- results:end -->',
  ].join('\n');
  const start = readme.indexOf('<!-- results:start -->');
  const end = readme.indexOf('<!-- results:end -->');
  const next = start >= 0 && end > start ? readme.slice(0, start) + generated + readme.slice(end + '<!-- results:end -->'.length) : `${readme}\n${generated}\n`;
  await writeFile(path, next);
}
