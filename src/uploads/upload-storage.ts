/**
 * Where uploaded bytes live. The core decides names and policy (type, size, hash-named,
 * stored once); the edge provides the bytes' home (src/node/file-upload-storage.ts: files in
 * UPLOAD_DIR). Every name passed in has already matched the core's patterns, and an
 * implementation still refuses any name that could leave its directory.
 */

/** An upload being received: bytes go to a temporary place until `commit` names them. */
export interface PendingUpload {
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Close the temporary file; sha256 (hex) and size of everything written. The edge hashes
   * while writing because WebCrypto's digest cannot be fed in pieces.
   */
  finish(): Promise<{ sha256: string; size: number }>;
  /** Move into place as `name`. False when `name` already existed: the new copy is dropped. */
  commit(name: string): Promise<boolean>;
  /** Remove whatever was written; safe to call at any point, and twice. */
  discard(): Promise<void>;
}

export interface StoredFileInfo {
  name: string;
  size: number;
  /** Milliseconds since the epoch. */
  created: number;
}

/** An opened stored file: its size is known before any byte is sent (for Range). */
export interface OpenedFile extends StoredFileInfo {
  /** Bytes `start`..`end` inclusive, streamed; closes the file when done or cancelled. */
  stream(start: number, end: number): ReadableStream<Uint8Array>;
  /** Release the file without streaming (HEAD, 416). */
  close(): Promise<void>;
}

/** What the library remembers besides the bytes; the original name is display text only. */
export interface UploadMeta {
  name: string;
  mime: string;
  size: number;
  sha256: string;
  created: number;
}

export interface UploadStorage {
  begin(): Promise<PendingUpload>;
  open(name: string): Promise<OpenedFile | null>;
  list(): Promise<StoredFileInfo[]>;
  /** Bytes the library holds right now, uploads still arriving included (UPLOAD_QUOTA_MB counts them). */
  usage(): Promise<number>;
  /** Removes the file and its metadata; false when there was no such file. */
  remove(name: string): Promise<boolean>;
  readMeta(name: string): Promise<UploadMeta | null>;
  writeMeta(name: string, meta: UploadMeta): Promise<void>;
}
