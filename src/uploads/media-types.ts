/**
 * Which files the media library takes, decided by their first bytes. The declared MIME type and
 * the file name are the uploader's claims; a "png" that is really HTML or SVG would run script
 * on our origin, so only these signatures pass.
 */
export interface MediaType {
  ext: string;
  mime: string;
}

const TYPES = {
  png: { ext: 'png', mime: 'image/png' },
  jpg: { ext: 'jpg', mime: 'image/jpeg' },
  gif: { ext: 'gif', mime: 'image/gif' },
  webp: { ext: 'webp', mime: 'image/webp' },
  mp4: { ext: 'mp4', mime: 'video/mp4' },
  webm: { ext: 'webm', mime: 'video/webm' },
  mp3: { ext: 'mp3', mime: 'audio/mpeg' },
  ogg: { ext: 'ogg', mime: 'audio/ogg' },
  wav: { ext: 'wav', mime: 'audio/wav' },
  woff2: { ext: 'woff2', mime: 'font/woff2' },
  woff: { ext: 'woff', mime: 'font/woff' },
  ttf: { ext: 'ttf', mime: 'font/ttf' },
  otf: { ext: 'otf', mime: 'font/otf' },
} as const satisfies Record<string, MediaType>;

/** Enough for every signature below (WebM's DocType sits a few dozen bytes in). */
export const SNIFF_BYTES = 64;

/** ISO-BMFF brands of still images (HEIC, AVIF): an `ftyp` box alone does not make a video. */
const IMAGE_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'mif1', 'msf1', 'avif', 'avis']);

export function sniffMediaType(head: Uint8Array): MediaType | null {
  const ascii = (from: number, text: string) => text.split('').every((ch, i) => head[from + i] === ch.charCodeAt(0));
  const bytes = (from: number, values: number[]) => values.every((value, i) => head[from + i] === value);

  if (bytes(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return TYPES.png;
  if (bytes(0, [0xff, 0xd8, 0xff])) return TYPES.jpg;
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return TYPES.gif;
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return TYPES.webp;
  if (ascii(0, 'RIFF') && ascii(8, 'WAVE')) return TYPES.wav;
  if (ascii(4, 'ftyp') && head.length >= 12) {
    const brand = String.fromCharCode(...head.subarray(8, 12)).toLowerCase();
    return IMAGE_BRANDS.has(brand) ? null : TYPES.mp4;
  }
  // Matroska and WebM share the EBML magic; only the DocType says "webm".
  if (bytes(0, [0x1a, 0x45, 0xdf, 0xa3]) && indexOfAscii(head, 'webm') > 4) return TYPES.webm;
  if (ascii(0, 'OggS')) return TYPES.ogg;
  // Fonts for text items (loaded with @font-face): sfnt versions 1.0 / 'true' and CFF 'OTTO'.
  if (ascii(0, 'wOF2')) return TYPES.woff2;
  if (ascii(0, 'wOFF')) return TYPES.woff;
  if (ascii(0, 'OTTO')) return TYPES.otf;
  if (bytes(0, [0x00, 0x01, 0x00, 0x00]) || ascii(0, 'true')) return TYPES.ttf;
  if (ascii(0, 'ID3')) return TYPES.mp3;
  // A bare MPEG audio frame: 11 sync bits, then a layer other than "reserved" (which is ADTS AAC).
  if (head[0] === 0xff && head.length > 1 && (head[1]! & 0xe0) === 0xe0 && (head[1]! & 0x06) !== 0) return TYPES.mp3;
  return null;
}

/** The served Content-Type of a stored name, from its extension (the server chose it). */
export function mimeOfStoredName(name: string): string | null {
  const ext = name.slice(name.lastIndexOf('.') + 1);
  const type = Object.values(TYPES).find((t) => t.ext === ext);
  return type?.mime ?? null;
}

const EXTENSIONS = Object.values(TYPES).map((t) => t.ext).join('|');

/** `<sha256>.<ext>`: what the library stores, lists and deletes. */
export const UPLOAD_NAME = new RegExp(`^[0-9a-f]{64}\\.(?:${EXTENSIONS})$`);

/** `tts-<hash>.wav`: audio a server-side TTS engine cached (see src/tts-engine.ts). */
export const TTS_AUDIO_NAME = /^tts-[0-9a-f]{32}\.wav$/;

/** Everything `/uploads/` serves: library files and cached TTS audio. Nothing else, ever. */
export const isServableName = (name: string) => UPLOAD_NAME.test(name) || TTS_AUDIO_NAME.test(name);

function indexOfAscii(head: Uint8Array, text: string): number {
  outer: for (let i = 0; i + text.length <= head.length; i++) {
    for (let j = 0; j < text.length; j++) if (head[i + j] !== text.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}
