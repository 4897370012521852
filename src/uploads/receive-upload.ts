/**
 * One upload, from request body to stored file: the multipart `file` field is streamed into
 * the storage while it is counted (size cap), sniffed (first bytes decide the type) and hashed
 * (the name is the content's sha256), and kept within the library's quota. Whatever goes
 * wrong, the partial file is removed. The body is never cancelled: what is left of a refused
 * one is the route's to discard (src/http/linger.ts), so the client reads the refusal.
 */
import { AppError, badRequest } from '../errors.ts';
import { MultipartError, MultipartReader, multipartBoundary } from './multipart-reader.ts';
import { SNIFF_BYTES, sniffMediaType, type MediaType } from './media-types.ts';
import type { PendingUpload, UploadStorage } from './upload-storage.ts';
import type { QuotaClaim, UploadQuota } from './upload-quota.ts';

export const FILE_FIELD = 'file';
const MAX_DISPLAY_NAME = 200;
/** Room for the multipart envelope (boundaries, part headers, small fields) around the file. */
const ENVELOPE_BYTES = 64 * 1024;

export interface ReceivedUpload {
  /** The stored name, `<sha256>.<ext>`; also the id for DELETE. */
  id: string;
  path: string;
  mime: string;
  size: number;
  sha256: string;
  /** The client's file name, sanitized; display text only. */
  name: string;
  /** True when the same content was already stored (this upload was dropped). */
  duplicate: boolean;
}

export interface UploadLimits {
  /** Largest file (MAX_UPLOAD_MB). */
  maxBytes: number;
  /** What the whole library may hold (UPLOAD_QUOTA_MB), shared by every upload of the process. */
  quota: UploadQuota;
}

export async function receiveUpload(request: Request, storage: UploadStorage, limits: UploadLimits): Promise<ReceivedUpload> {
  const { maxBytes } = limits;
  const boundary = multipartBoundary(request.headers.get('content-type') ?? undefined);
  if (!boundary || !request.body) throw badRequest('bad_request', `send multipart/form-data with the file in a "${FILE_FIELD}" field`);
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes + ENVELOPE_BYTES) throw tooLarge(maxBytes);
  // Other uploads in progress count too, as they grow: two at once must not pass the quota together.
  const claim = await limits.quota.begin();
  const room = claim.remaining();
  if (declared > room + ENVELOPE_BYTES || room <= 0) {
    claim.end();
    throw quotaExceeded(limits.quota.quotaBytes);
  }

  const parts = new MultipartReader(request.body, boundary, maxBytes + ENVELOPE_BYTES);
  try {
    for (let part = await parts.nextPart(); part; part = await parts.nextPart()) {
      if (part.name !== FILE_FIELD) continue;
      return await storeFilePart(parts, storage, { maxBytes, claim, quotaBytes: limits.quota.quotaBytes }, displayName(part.filename));
    }
    throw badRequest('missing_file', `no "${FILE_FIELD}" field in the form`);
  } catch (error) {
    if (!(error instanceof MultipartError)) throw error;
    if (error.reason === 'too_large') throw tooLarge(maxBytes);
    throw badRequest(error.reason === 'interrupted' ? 'upload_interrupted' : 'bad_multipart', error.message);
  } finally {
    // Whatever follows the file (or the rest of a refused one) is not read here.
    parts.release();
    claim.end();
  }
}

interface PartLimits {
  maxBytes: number;
  /** This file's share of the quota, checked for every chunk. */
  claim: QuotaClaim;
  quotaBytes: number;
}

async function storeFilePart(parts: MultipartReader, storage: UploadStorage, limits: PartLimits, name: string): Promise<ReceivedUpload> {
  const pending = await storage.begin();
  try {
    const type = await writeChecked(parts, pending, limits);
    const { sha256, size } = await pending.finish();
    const id = `${sha256}.${type.ext}`;
    const created = await pending.commit(id);
    if (created) limits.claim.committed();
    // The first upload's name stays; a later copy of the same bytes only fills a missing record.
    if (created || !(await storage.readMeta(id))) {
      await storage.writeMeta(id, { name, mime: type.mime, size, sha256, created: Date.now() });
    }
    return { id, path: `/uploads/${id}`, mime: type.mime, size, sha256, name, duplicate: !created };
  } catch (error) {
    // At once, before the bytes are gone: an upload arriving alongside must not be refused for them.
    limits.claim.end();
    await pending.discard();
    throw error;
  }
}

/** Copy the part's bytes into `pending`, refusing as soon as the size or the type is wrong. */
async function writeChecked(parts: MultipartReader, pending: PendingUpload, { maxBytes, claim, quotaBytes }: PartLimits): Promise<MediaType> {
  const head = new Uint8Array(SNIFF_BYTES);
  let headLength = 0;
  let type: MediaType | null = null;
  let size = 0;
  for (let chunk = await parts.readChunk(); chunk; chunk = await parts.readChunk()) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    if (!claim.grow(chunk.length)) throw quotaExceeded(quotaBytes);
    if (!type) {
      const take = Math.min(chunk.length, SNIFF_BYTES - headLength);
      head.set(chunk.subarray(0, take), headLength);
      headLength += take;
      if (headLength === SNIFF_BYTES) type = sniffOrRefuse(head);
    }
    await pending.write(chunk);
  }
  if (size === 0) throw badRequest('empty_file', 'the file is empty');
  return type ?? sniffOrRefuse(head.subarray(0, headLength));
}

function sniffOrRefuse(head: Uint8Array): MediaType {
  const type = sniffMediaType(head);
  if (!type) {
    throw new AppError(415, 'unsupported_type', 'only PNG, JPEG, GIF, WebP, MP4, WebM, MP3, Ogg and WAV files are accepted (judged by content, not name)');
  }
  return type;
}

const quotaExceeded = (quotaBytes: number) =>
  new AppError(507, 'upload_quota_exceeded', `the media library is full: it may hold ${Math.round(quotaBytes / (1024 * 1024))} MB (UPLOAD_QUOTA_MB); delete files first`);

const tooLarge = (maxBytes: number) =>
  new AppError(413, 'too_large', `the file is larger than the ${Math.round(maxBytes / (1024 * 1024))} MB limit (MAX_UPLOAD_MB)`);

/**
 * The client's file name as display text: its last path segment, without control or
 * bidi-override characters, capped. It never reaches a path, but panels show it.
 */
export function displayName(raw: string | null): string {
  const lastSegment = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = lastSegment
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim();
  const capped = [...cleaned].slice(0, MAX_DISPLAY_NAME).join('');
  return capped === '' || capped === '.' || capped === '..' ? 'upload' : capped;
}
