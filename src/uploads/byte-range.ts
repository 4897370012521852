/**
 * HTTP Range for one stored file (RFC 9110 §14): OBS and browsers seek video with
 * `bytes=a-b`, `bytes=a-` and `bytes=-n`. Multiple ranges and malformed headers are ignored
 * (the whole file is sent), which the RFC allows; a range past the end cannot be satisfied.
 */
export type ByteRange = { start: number; end: number };

/** The inclusive range to send, `null` for the whole file, or 'unsatisfiable' (416). */
export function parseByteRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const match = /^\s*bytes\s*=\s*(\d{0,15})\s*-\s*(\d{0,15})\s*$/i.exec(header);
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;

  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null;
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { start, end };
}
