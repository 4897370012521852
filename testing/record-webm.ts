/**
 * Real, playable media for browser tests, made by Chromium itself: it records its own canvas
 * and a tone with MediaRecorder, so no binary fixture lives in the repository.
 */
import type { Browser } from 'playwright-core';

/** A real, playable WebM made offline: Chromium records its own canvas and a tone. */
export async function recordWebm(browser: Browser, ms: number): Promise<Buffer> {
  const page = await browser.newPage();
  await page.setContent('<canvas width="160" height="90"></canvas>');
  const base64 = await page.evaluate(async (duration) => {
    const canvas = document.querySelector('canvas')!;
    const g = canvas.getContext('2d')!;
    let frame = 0;
    const draw = setInterval(() => {
      g.fillStyle = `hsl(${(frame++ * 12) % 360} 80% 50%)`;
      g.fillRect(0, 0, 160, 90);
    }, 33);
    const stream = canvas.captureStream(30);
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const sink = audio.createMediaStreamDestination();
    tone.connect(sink);
    tone.start();
    stream.addTrack(sink.stream.getAudioTracks()[0]);
    const recorder = new MediaRecorder(stream, { mimeType: 'video/webm' });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((resolve) => (recorder.onstop = resolve));
    recorder.start(250);
    await new Promise((resolve) => setTimeout(resolve, duration));
    recorder.stop();
    await stopped;
    clearInterval(draw);
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  }, ms);
  await page.close();
  return withWebmDuration(Buffer.from(base64, 'base64'), ms);
}

/**
 * MediaRecorder leaves Duration out of the WebM Info element, so a player reports an endless
 * clip. Add it (EBML id 0x4489, float64 in TimecodeScale units, 1 ms by default) and rewrite
 * Info's size, as a muxer would have written it.
 */
export function withWebmDuration(file: Buffer, durationMs: number): Buffer {
  const info = file.indexOf(Buffer.from([0x15, 0x49, 0xa9, 0x66]));
  if (info < 0) throw new Error('no Info element in the WebM');
  const sizeAt = info + 4;
  const width = vintWidth(file[sizeAt]!);
  let size = file[sizeAt]! & (0xff >> width);
  for (let i = 1; i < width; i++) size = size * 256 + file[sizeAt + i]!;
  const children = file.subarray(sizeAt + width, sizeAt + width + size);
  const duration = Buffer.alloc(11);
  duration.set([0x44, 0x89, 0x88]);
  duration.writeDoubleBE(durationMs, 3);
  const newSize = Buffer.alloc(8);
  newSize.writeBigUInt64BE(BigInt(children.length + duration.length) | (1n << 56n));
  return Buffer.concat([file.subarray(0, sizeAt), newSize, children, duration, file.subarray(sizeAt + width + size)]);
}

function vintWidth(first: number): number {
  for (let width = 1; width <= 8; width++) if (first & (0x100 >> width)) return width;
  throw new Error('bad EBML size');
}
