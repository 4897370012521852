// Builds every client page (client/<page>/main.tsx) into dist/client/ and checks gzip size
// against a budget: an OBS browser source loads this on every scene switch.
//   node build.mjs [--quiet] [--watch] [--sourcemap]
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = { overlay: 12, 'overlay-tts': 4, 'overlay-obs': 4, moderator: 45, publish: 15, 'webrtc-viewer': 6, dashboard: 30 };
const OUT = 'dist/client';
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const watching = args.has('--watch');

const pages = readdirSync('client', { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`client/${d.name}/main.tsx`))
  .map((d) => d.name)
  .sort();

/** CSS and HTML are not imported by the bundles, so they are copied beside them. */
function copyStatic(page) {
  const dir = `client/${page}`;
  const css = readdirSync(dir).filter((f) => f.endsWith('.css')).sort();
  if (css.length) writeFileSync(`${OUT}/${page}.css`, css.map((f) => readFileSync(`${dir}/${f}`, 'utf8')).join('\n'));
  if (existsSync(`${dir}/index.html`)) writeFileSync(`${OUT}/${page}.html`, readFileSync(`${dir}/index.html`));
}

/** Prints the size table; returns false when a bundle is over its budget. */
function report() {
  const rows = pages.map((page) => {
    const gz = gzipSync(readFileSync(`${OUT}/${page}.js`)).length / 1024;
    const budget = BUDGET_KB[page];
    return { page, gz, budget, over: budget !== undefined && gz > budget };
  });
  const ok = rows.every((r) => !r.over);
  if (!quiet || !ok) {
    console.log('bundle          gzip      budget');
    for (const r of rows) {
      const budget = r.budget === undefined ? '-' : `${r.budget} KB`;
      console.log(`${r.page.padEnd(14)}${`${r.gz.toFixed(2)} KB`.padStart(9)}  ${budget.padStart(8)}${r.over ? '  OVER BUDGET' : ''}`);
    }
  }
  return ok;
}

const options = {
  entryPoints: Object.fromEntries(pages.map((p) => [p, `client/${p}/main.tsx`])),
  outdir: OUT,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  sourcemap: args.has('--sourcemap'),
  metafile: true,
  logLevel: quiet ? 'error' : 'warning',
};

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

const finish = (result) => {
  writeFileSync(`${OUT}/meta.json`, JSON.stringify(result.metafile));
  for (const page of pages) copyStatic(page);
  return report();
};

if (watching) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [{ name: 'report', setup: (b) => b.onEnd((r) => void (r.errors.length === 0 && finish(r))) }],
  });
  await ctx.watch();
  for (const page of pages) watch(`client/${page}`, (_, file) => file && /\.(css|html)$/.test(file) && copyStatic(page));
  console.log(`watching ${pages.join(', ')}`);
} else {
  const started = performance.now();
  const result = await esbuild.build(options).catch(() => process.exit(1));
  const ok = finish(result);
  if (!quiet) console.log(`built ${pages.length} page(s) in ${Math.round(performance.now() - started)} ms`);
  process.exit(ok ? 0 : 1);
}
