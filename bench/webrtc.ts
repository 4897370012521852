/**
 * WebRTC: what the publisher uploads for N = 1, 3, 6 viewers, peer to peer (ours without
 * JANUS_URL: one encoder per viewer) against the SFU (ours with JANUS_URL: one encoder,
 * Janus forwards), in the same run and the same Chromium (fake camera, 480p30 preset, host
 * candidates on this machine). Also Janus's CPU and RSS at N = 6 and the fps the viewers got.
 */
import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { launchChromium } from '../testing/browser.ts';
import { startJanus, type Janus } from '../testing/janus.ts';
import { WEBRTC_ARGS, webrtcPages, type WebrtcPageServer } from '../testing/webrtc-pages.ts';
import type { BenchContext, BenchResult, Row } from './lib/context.ts';
import { STREAMER_TOKEN, stopAll } from './lib/context.ts';
import { median, round, sleep } from './lib/stats.ts';

type Mode = 'p2p' | 'sfu';
interface Sample {
  mode: Mode;
  viewers: number;
  /** Viewers that decoded frames before the window. */
  playing: number;
  upload_kbps: number;
  encoders: number;
  encoded_fps: number;
  viewer_fps_median: number;
  viewer_fps_min: number;
  janus_cpu_pct?: number;
  janus_rss_mb?: number;
}

const PRESET = '480p30';

export async function webrtcBench(ctx: BenchContext): Promise<BenchResult> {
  const counts = ctx.quick ? [1, 3] : [1, 3, 6];
  const windowMs = ctx.quick ? 4000 : 10_000;
  const settleMs = ctx.quick ? 3000 : 12_000;
  const janus = await startJanus();
  const env = { WEBRTC_STUN_URL: '', TRUSTED_PROXIES: '127.0.0.1' };
  const p2p = await ctx.ours({ env });
  const sfu = await ctx.ours({ env: { ...env, JANUS_URL: janus.url, JANUS_TOKEN_SECRET: janus.tokenSecret, JANUS_ADMIN_KEY: janus.adminKey } });
  const browser = await launchChromium(WEBRTC_ARGS);
  const samples: Sample[] = [];
  try {
    for (const viewers of counts) {
      // Alternate the order per N, so neither mode always runs on the warmer machine.
      for (const mode of viewers % 2 ? (['p2p', 'sfu'] as const) : (['sfu', 'p2p'] as const)) {
        const server = mode === 'p2p' ? p2p : sfu;
        const sample = await measure(browser, pageServer(server), mode, viewers, { windowMs, settleMs }, mode === 'sfu' ? janus : null);
        ctx.log(`${mode} N=${viewers}: ${JSON.stringify(sample)}`);
        samples.push(sample);
      }
    }
  } finally {
    await browser.close();
    await stopAll(p2p, sfu);
    await janus.stop();
  }

  const rows: Row[] = [];
  const find = (mode: Mode, n: number) => samples.find((s) => s.mode === mode && s.viewers === n)!;
  for (const n of counts) {
    const a = find('sfu', n);
    const b = find('p2p', n);
    const target = n === 6 ? '≤ 0.3×' : undefined;
    const ratio = b.upload_kbps > 0 ? round(a.upload_kbps / b.upload_kbps, 2) : null;
    rows.push({
      metric: `publisher video upload, N=${n} viewers`,
      unit: 'kbps',
      ours: a.upload_kbps,
      baseline: b.upload_kbps,
      baselineName: 'peer to peer (no JANUS_URL)',
      ratio,
      ...(target ? { target, met: ratio !== null && ratio <= 0.3 } : {}),
    });
    rows.push({ metric: `publisher video encoders, N=${n}`, unit: '', ours: a.encoders, baseline: b.encoders, baselineName: 'peer to peer', ratio: b.encoders ? round(a.encoders / b.encoders, 2) : null });
    rows.push({ metric: `viewers playing, N=${n}`, unit: '', ours: a.playing, baseline: b.playing, baselineName: 'peer to peer', ratio: b.playing ? round(a.playing / b.playing, 2) : null });
    rows.push({ metric: `viewer fps (median of ${n}), N=${n}`, unit: 'fps', ours: a.viewer_fps_median, baseline: b.viewer_fps_median, baselineName: 'peer to peer', ratio: b.viewer_fps_median ? round(a.viewer_fps_median / b.viewer_fps_median, 2) : null });
  }
  const top = find('sfu', counts.at(-1)!);
  rows.push({ metric: `Janus CPU, N=${top.viewers} (% of one core)`, unit: '%', ours: top.janus_cpu_pct ?? null, baseline: null, baselineName: 'no baseline', ratio: null });
  rows.push({ metric: `Janus RSS, N=${top.viewers}`, unit: 'MB', ours: top.janus_rss_mb ?? null, baseline: null, baselineName: 'no baseline', ratio: null });
  return { name: 'webrtc', title: `WebRTC publisher upload: SFU (Janus) vs peer to peer (fake camera, ${PRESET} preset)`, rows, details: { samples, window_ms: windowMs } };
}

function pageServer(child: { url: string; call<T>(method: string, args?: unknown): Promise<T> }): WebrtcPageServer {
  return {
    url: child.url,
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.streamer) headers.set('x-streamer-token', STREAMER_TOKEN);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetch(child.url + path, { ...init, headers, body });
    },
    viewToken: (room = 'main') => child.call<string>('viewToken', { room }),
  };
}

async function measure(browser: Browser, server: WebrtcPageServer, mode: Mode, viewers: number, { windowMs, settleMs }: { windowMs: number; settleMs: number }, janus: Janus | null): Promise<Sample> {
  const pages = webrtcPages(server);
  const context = await browser.newContext();
  const room = `bench-${mode}-${viewers}-${Date.now() % 100_000}`;
  try {
    const publisher = await pages.openPublisher(context, room, { preset: PRESET });
    const viewerPages: Page[] = [];
    for (let i = 0; i < viewers; i++) viewerPages.push(await pages.openPreview(context, room));
    // A viewer that never plays (two busy cores) is reported, not fatal: the table says how many did.
    let playing = 0;
    for (const page of viewerPages) playing += await pages.framesAdvance(page, 60_000).then(() => 1, () => 0);
    // Bandwidth estimation ramps the encoders up over several seconds; measure after that.
    await sleep(settleMs);
    const frames = () => Promise.all(viewerPages.map(async (p) => (await pages.info(p))?.reading?.sample.frames ?? 0));
    const cpu0 = janus ? cpuTicks(janus.pid()!) : 0;
    const up0 = await publisher.evaluate(() => window.__publisher.outboundVideo());
    const f0 = await frames();
    const t0 = performance.now();
    await sleep(windowMs);
    const up1 = await publisher.evaluate(() => window.__publisher.outboundVideo());
    const f1 = await frames();
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = janus ? cpuTicks(janus.pid()!) : 0;
    const fps = f1.map((f, i) => (f - f0[i]!) / seconds);
    return {
      mode,
      viewers,
      playing,
      upload_kbps: round(((up1.bytesSent - up0.bytesSent) * 8) / 1000 / seconds, 0),
      encoders: up1.streams,
      encoded_fps: round((up1.framesEncoded - up0.framesEncoded) / seconds, 1),
      viewer_fps_median: round(median(fps), 1),
      viewer_fps_min: round(Math.min(...fps), 1),
      ...(janus
        ? { janus_cpu_pct: round(((cpu1 - cpu0) / CLOCK_TICKS / seconds) * 100, 1), janus_rss_mb: round(rssKb(janus.pid()!) / 1024, 1) }
        : {}),
    };
  } finally {
    await context.close();
  }
}

/** USER_HZ on Linux. */
const CLOCK_TICKS = 100;

/** utime + stime of a process, from /proc (fields 14 and 15, after the parenthesised name). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}
