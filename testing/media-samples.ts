/**
 * Real media files, made by hand, for upload tests: a valid PNG (chunks with correct CRCs,
 * zlib image data) and a minimal MP4 (an `ftyp` box, then `mdat`), which is what a browser
 * and our type sniffing read first.
 */
import { crc32, deflateSync } from 'node:zlib';

/** A width×height RGBA PNG filled with one colour; `seed` varies the colour, so the bytes. */
export function pngBytes(width = 2, height = 2, seed = 0): Uint8Array {
  const row = [0, ...Array.from({ length: width }, () => [seed & 0xff, (seed >> 8) & 0xff, 0x80, 0xff]).flat()];
  const raw = Uint8Array.from(Array.from({ length: height }, () => row).flat());
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit depth, RGBA, deflate, adaptive filter, no interlace
  return concat([
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', new Uint8Array(deflateSync(raw))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** `ftyp isom` with compatible brands, then an `mdat` box of `payloadBytes` patterned bytes. */
export function mp4Bytes(payloadBytes = 100_000): Uint8Array {
  const ftyp = box('ftyp', concat([ascii('isom'), u32(0x200), ascii('isom'), ascii('iso2'), ascii('avc1'), ascii('mp41')]));
  const payload = Uint8Array.from({ length: payloadBytes }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
  return concat([ftyp, box('mdat', payload)]);
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const typeAndData = concat([ascii(type), data]);
  return concat([u32(data.length), typeAndData, u32(crc32(typeAndData))]);
}

function box(type: string, body: Uint8Array): Uint8Array {
  return concat([u32(8 + body.length), ascii(type), body]);
}

const ascii = (text: string) => new TextEncoder().encode(text);

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A mono 16-bit PCM WAV of a quiet tone, `seconds` long: exact duration, seekable anywhere. */
export function wavBytes(seconds: number, sampleRate = 8000): Uint8Array {
  const samples = Math.round(seconds * sampleRate);
  const out = new Uint8Array(44 + samples * 2);
  const view = new DataView(out.buffer);
  out.set(ascii('RIFF'), 0);
  view.setUint32(4, 36 + samples * 2, true);
  out.set(ascii('WAVEfmt '), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  out.set(ascii('data'), 36);
  view.setUint32(40, samples * 2, true);
  for (let i = 0; i < samples; i++) view.setInt16(44 + i * 2, Math.round(2000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate)), true);
  return out;
}
