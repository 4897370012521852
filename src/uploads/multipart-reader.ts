/**
 * A pull-based multipart/form-data reader (RFC 7578 framing) over a Web byte stream. Parts
 * come one at a time and a part's body is handed out chunk by chunk as it arrives, so a large
 * upload is never held in memory: at most one network chunk plus a delimiter's length.
 * Web Streams only, so it runs in every edge.
 */

export interface PartHeaders {
  /** The form field name (`file`). */
  name: string | null;
  /** The client's file name, unsanitized: display text at most, never a path. */
  filename: string | null;
  contentType: string | null;
}

export class MultipartError extends Error {
  constructor(
    message: string,
    /** `too_large`: the body passed the reader's byte limit; `interrupted`: the sender went away. */
    readonly reason: 'malformed' | 'too_large' | 'interrupted' = 'malformed',
  ) {
    super(message);
    this.name = 'MultipartError';
  }
}

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_PREAMBLE_BYTES = 16 * 1024;
const CR = 13;
const LF = 10;
const DASH = 45;
const encoder = new TextEncoder();

/** The boundary from a `multipart/form-data` Content-Type, or null for anything else. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

type State = 'preamble' | 'delimiter' | 'headers' | 'body' | 'end';

export class MultipartReader {
  /** Unconsumed bytes. Starts with CRLF so the first boundary looks like every later one. */
  private buffer: Uint8Array = new Uint8Array([CR, LF]);
  private sourceDone = false;
  private state: State = 'preamble';
  private bytesRead = 0;
  private readonly delimiter: Uint8Array;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  /** `maxBytes` bounds the whole body, fields that are skipped included. */
  constructor(body: ReadableStream<Uint8Array>, boundary: string, private readonly maxBytes = Infinity) {
    this.delimiter = encoder.encode(`\r\n--${boundary}`);
    this.reader = body.getReader();
  }

  /** Headers of the next part (skipping what is left of the current one), or null at the end. */
  async nextPart(): Promise<PartHeaders | null> {
    while (this.state === 'body') await this.readChunk();
    if (this.state === 'preamble') await this.skipPreamble();
    if (this.state === 'delimiter') await this.afterDelimiter();
    if (this.state === 'end') return null;
    return this.readHeaders();
  }

  /** The next piece of the current part's body, or null when the part is complete. */
  async readChunk(): Promise<Uint8Array | null> {
    while (this.state === 'body') {
      const at = indexOf(this.buffer, this.delimiter);
      if (at >= 0) {
        const chunk = this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + this.delimiter.length);
        this.state = 'delimiter';
        if (chunk.length > 0) return chunk;
        return null;
      }
      // The tail might be the start of a delimiter split across network chunks: keep it.
      const safe = this.buffer.length - (this.delimiter.length - 1);
      if (safe > 0) {
        const chunk = this.buffer.subarray(0, safe);
        this.buffer = this.buffer.subarray(safe);
        return chunk;
      }
      if (!(await this.pull())) throw new MultipartError('the body ended inside a part');
    }
    return null;
  }

  /** Stop reading: the rest of the body is not wanted. */
  async cancel(): Promise<void> {
    this.state = 'end';
    await this.reader.cancel().catch(() => {});
  }

  /** Stop reading but leave the rest of the body to the caller (e.g. to discard it before answering). */
  release(): void {
    this.state = 'end';
    this.reader.releaseLock();
  }

  private async skipPreamble(): Promise<void> {
    for (;;) {
      const at = indexOf(this.buffer, this.delimiter);
      if (at >= 0) {
        this.buffer = this.buffer.subarray(at + this.delimiter.length);
        this.state = 'delimiter';
        return;
      }
      if (this.buffer.length > MAX_PREAMBLE_BYTES) throw new MultipartError('no multipart boundary found');
      if (!(await this.pull())) throw new MultipartError('no multipart boundary found');
    }
  }

  /** After a delimiter: `--` ends the body; otherwise optional padding and CRLF start a part. */
  private async afterDelimiter(): Promise<void> {
    await this.fill(2);
    if (this.buffer[0] === DASH && this.buffer[1] === DASH) {
      this.state = 'end';
      return;
    }
    for (;;) {
      let i = 0;
      while (i < this.buffer.length && (this.buffer[i] === 0x20 || this.buffer[i] === 0x09)) i++;
      if (i + 2 <= this.buffer.length) {
        if (this.buffer[i] !== CR || this.buffer[i + 1] !== LF) throw new MultipartError('malformed multipart boundary line');
        this.buffer = this.buffer.subarray(i + 2);
        this.state = 'headers';
        return;
      }
      if (this.buffer.length > 256 || !(await this.pull())) throw new MultipartError('malformed multipart boundary line');
    }
  }

  private async readHeaders(): Promise<PartHeaders> {
    for (;;) {
      // A part without headers starts with the blank line at once.
      const end = this.buffer[0] === CR && this.buffer[1] === LF ? 0 : indexOf(this.buffer, HEADER_END);
      if (end >= 0) {
        const text = new TextDecoder().decode(this.buffer.subarray(0, end));
        this.buffer = this.buffer.subarray(end === 0 ? 2 : end + HEADER_END.length);
        this.state = 'body';
        return parseHeaders(text);
      }
      if (this.buffer.length > MAX_HEADER_BYTES) throw new MultipartError('multipart part headers are too large');
      if (!(await this.pull())) throw new MultipartError('the body ended inside part headers');
    }
  }

  private async fill(bytes: number): Promise<void> {
    while (this.buffer.length < bytes) {
      if (!(await this.pull())) throw new MultipartError('the body ended early');
    }
  }

  /** Append the next network chunk; false when the source is exhausted. */
  private async pull(): Promise<boolean> {
    if (this.sourceDone) return false;
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await this.reader.read();
    } catch {
      throw new MultipartError('the upload was interrupted', 'interrupted');
    }
    const { done, value } = next;
    if (done) {
      this.sourceDone = true;
      return false;
    }
    this.bytesRead += value.length;
    if (this.bytesRead > this.maxBytes) throw new MultipartError(`the body is larger than ${this.maxBytes} bytes`, 'too_large');
    if (this.buffer.length === 0) {
      this.buffer = value;
    } else {
      const joined = new Uint8Array(this.buffer.length + value.length);
      joined.set(this.buffer);
      joined.set(value, this.buffer.length);
      this.buffer = joined;
    }
    return true;
  }
}

const HEADER_END = new Uint8Array([CR, LF, CR, LF]);

function parseHeaders(text: string): PartHeaders {
  const headers = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = parseParams(headers.get('content-disposition') ?? '');
  return {
    name: disposition.get('name') ?? null,
    filename: extendedFilename(disposition.get('filename*')) ?? disposition.get('filename') ?? null,
    contentType: headers.get('content-type') ?? null,
  };
}

/** `form-data; name="file"; filename="a \"b\".png"` → parameters, quoted strings unescaped. */
function parseParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const match of value.matchAll(pattern)) {
    const key = match[1]!.toLowerCase();
    const raw = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '').trim();
    if (!params.has(key)) params.set(key, raw);
  }
  return params;
}

/** RFC 5987 `filename*=UTF-8''na%C3%AFve.png`; anything unreadable is ignored. */
function extendedFilename(value: string | undefined): string | null {
  const match = value && /^utf-8'[^']*'(.*)$/i.exec(value);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}

/** Index of `needle` in `haystack`, or -1; scans for the first byte, then compares. */
export function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first!, from); i !== -1 && i <= last; i = haystack.indexOf(first!, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}
