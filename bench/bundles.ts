/**
 * Bundles: gzip size of each built client bundle (dist/client/*.js, from `npm run build`)
 * against its budget, and the overlay's time to first render in headless Chromium against a
 * static page that puts the same text into #app with an inline script.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../testing/browser.ts';
import type { BenchContext, BenchResult, Row } from './lib/context.ts';
import { STREAMER_TOKEN, stopAll } from './lib/context.ts';
import { median, pairedRatio, round } from './lib/stats.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST = `${ROOT}dist/client/`;
/** KB gzip. The panel's bundle is built as `moderator` (build.mjs uses the same budgets). */
const BUDGETS: Record<string, number> = { overlay: 12, publish: 15, moderator: 45, panel: 45, dashboard: 30 };

export async function bundlesBench(ctx: BenchContext): Promise<BenchResult> {
  if (!existsSync(`${DIST}overlay.js`)) {
    ctx.log('dist/client has no overlay.js: building');
    execFileSync(process.execPath, ['build.mjs', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  }
  const rows: Row[] = [];
  const sizes: Record<string, { raw: number; gzip: number }> = {};
  for (const file of readdirSync(DIST).filter((f) => f.endsWith('.js')).sort()) {
    const page = file.replace(/\.js$/, '');
    const bytes = readFileSync(`${DIST}${file}`);
    const gzip = gzipSync(bytes, { level: 9 }).length / 1024;
    sizes[page] = { raw: round(bytes.length / 1024, 2), gzip: round(gzip, 2) };
    const budget = BUDGETS[page];
    rows.push({
      metric: `${page}.js gzip`,
      unit: 'KB',
      ours: round(gzip, 2),
      baseline: budget ?? null,
      baselineName: 'budget',
      ratio: budget ? round(gzip / budget, 2) : null,
      ...(budget ? { target: `≤ ${budget} KB`, met: gzip <= budget } : {}),
    });
  }
  for (const page of ['publish', 'moderator']) {
    if (!sizes[page]) rows.push({ metric: `${page}.js gzip`, unit: 'KB', ours: null, baseline: BUDGETS[page]!, baselineName: 'budget', ratio: null, target: 'not built yet' });
  }

  const ours = await ctx.ours();
  const bare = await ctx.baseline('servers/bare-http.ts');
  const room = 'ttfr';
  await fetch(`${ours.url}/api/rooms/${room}/ops`, {
    method: 'POST',
    headers: { 'x-streamer-token': STREAMER_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'update', item: { id: 'a', kind: 'text', text: 'hello', x: 10, y: 10 } }),
  });
  const token = await ours.call<string>('viewToken', { room });
  const pages = { ours: `${ours.url}/overlay?room=${room}&token=${token}`, bare: `${bare.url}/static-overlay` };
  const browser = await launchChromium();
  const loads = ctx.quick ? 3 : 9;
  const times: { ours: number[]; bare: number[] } = { ours: [], bare: [] };
  try {
    const measure = async (url: string): Promise<number> => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        // Time from navigation start until #app shows the item's text, seen by a MutationObserver.
        await page.addInitScript(() => {
          const w = window as unknown as { __ttfr?: number };
          new MutationObserver((_records, observer) => {
            if (document.getElementById('app')?.textContent?.includes('hello')) {
              w.__ttfr = performance.now();
              observer.disconnect();
            }
          }).observe(document, { subtree: true, childList: true, characterData: true });
        });
        await page.goto(url);
        await page.waitForFunction(() => (window as unknown as { __ttfr?: number }).__ttfr !== undefined, null, { timeout: 15_000 });
        return await page.evaluate(() => (window as unknown as { __ttfr: number }).__ttfr);
      } finally {
        await context.close();
      }
    };
    await measure(pages.ours); // warm Chromium and the server once, uncounted
    await measure(pages.bare);
    for (let i = 0; i < loads; i++) {
      for (const who of i % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const)) times[who].push(await measure(pages[who]));
    }
  } finally {
    await browser.close();
    await stopAll(ours, bare);
  }
  ctx.log(`ttfr ours ${times.ours.map((t) => round(t, 1)).join(', ')}; bare ${times.bare.map((t) => round(t, 1)).join(', ')}`);
  rows.push({
    metric: `overlay time to first render, headless Chromium (median of ${loads} cold loads)`,
    unit: 'ms',
    ours: round(median(times.ours), 1),
    baseline: round(median(times.bare), 1),
    baselineName: 'static page, inline script',
    ratio: pairedRatio(times.ours, times.bare),
  });
  return { name: 'bundles', title: 'Bundles and first render', rows, details: { sizes, ttfr: times } };
}
