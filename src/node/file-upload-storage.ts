/**
 * UploadStorage on the file system: files in UPLOAD_DIR (which nginx may serve directly),
 * metadata in UPLOAD_DIR/.meta/<name>.json, uploads in progress as UPLOAD_DIR/.incoming-*
 * (same directory, so the final rename is atomic). Names are checked again here: nothing
 * the core passes can point outside the directory.
 */
import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.ts';
import type { OpenedFile, PendingUpload, StoredFileInfo, UploadMeta, UploadStorage } from '../uploads/upload-storage.ts';

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9]+)?$/;
const INCOMING_PREFIX = '.incoming-';
const META_DIR = '.meta';
const READ_CHUNK = 64 * 1024;
/** A part nobody wrote to for this long is a leftover: an upload in progress writes all the time. */
const LEFTOVER_IDLE_MS = 60 * 1000;

export async function fileUploadStorage(dir: string, log: Logger): Promise<UploadStorage> {
  await mkdir(join(dir, META_DIR), { recursive: true });
  await removeLeftovers(dir, log);
  const checked = (name: string) => {
    if (!SAFE_NAME.test(name) || name.length > 128) throw new Error(`unsafe upload name refused: ${JSON.stringify(name)}`);
    return name;
  };
  const pathOf = (name: string) => join(dir, checked(name));
  const metaPath = (name: string) => join(dir, META_DIR, `${checked(name)}.json`);

  return {
    begin: () => beginUpload(dir, pathOf),

    async open(name) {
      let handle: FileHandle;
      try {
        handle = await open(pathOf(name), 'r');
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        return null;
      }
      return openedFile(name, handle, info.size, info.birthtimeMs || info.mtimeMs);
    },

    async list() {
      const files: StoredFileInfo[] = [];
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (!entry.isFile() || !SAFE_NAME.test(entry.name)) continue;
        const info = await stat(join(dir, entry.name)).catch(() => null);
        if (info) files.push({ name: entry.name, size: info.size, created: info.birthtimeMs || info.mtimeMs });
      }
      return files;
    },

    async usage() {
      let total = 0;
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (!entry.isFile()) continue;
        total += (await stat(join(dir, entry.name)).catch(() => null))?.size ?? 0;
      }
      return total;
    },

    async remove(name) {
      const path = pathOf(name);
      await rm(metaPath(name), { force: true });
      try {
        await unlink(path);
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },

    async readMeta(name) {
      try {
        return JSON.parse(await readFile(metaPath(name), 'utf8')) as UploadMeta;
      } catch {
        return null;
      }
    },

    async writeMeta(name, meta) {
      // Write-then-rename, so a reader never sees half a record.
      const temp = join(dir, META_DIR, `${INCOMING_PREFIX}${randomUUID()}.json`);
      await writeFile(temp, JSON.stringify(meta));
      await rename(temp, metaPath(name));
    },
  };
}

async function beginUpload(dir: string, pathOf: (name: string) => string): Promise<PendingUpload> {
  const temp = join(dir, `${INCOMING_PREFIX}${randomUUID()}`);
  const handle = await open(temp, 'wx', 0o644);
  const hash = createHash('sha256');
  let size = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };

  return {
    async write(chunk) {
      hash.update(chunk);
      size += chunk.length;
      let offset = 0;
      while (offset < chunk.length) offset += (await handle.write(chunk, offset)).bytesWritten;
    },
    async finish() {
      await handle.sync();
      await close();
      return { sha256: hash.digest('hex'), size };
    },
    async commit(name) {
      const final = pathOf(name);
      try {
        // link() creates the name only if it is free: the same bytes uploaded twice at once
        // still end up stored once, and the first copy is never replaced.
        await link(temp, final);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        // File systems without hard links: take the name unless it exists.
        if (await stat(final).then(() => true, () => false)) return false;
        await rename(temp, final);
        return true;
      } finally {
        await rm(temp, { force: true });
      }
    },
    async discard() {
      await close().catch(() => {});
      await rm(temp, { force: true });
    },
  };
}

function openedFile(name: string, handle: FileHandle, size: number, created: number): OpenedFile {
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  let streamed = false;
  return {
    name,
    size,
    created,
    close,
    stream(start, end) {
      if (streamed) throw new Error('an opened upload streams once');
      streamed = true;
      let position = start;
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const length = Math.min(READ_CHUNK, end + 1 - position);
            const chunk = length > 0 ? new Uint8Array(length) : null;
            const { bytesRead } = chunk ? await handle.read(chunk, 0, length, position) : { bytesRead: 0 };
            if (!chunk || bytesRead === 0) {
              await close();
              controller.close();
              return;
            }
            position += bytesRead;
            controller.enqueue(chunk.subarray(0, bytesRead));
          } catch (error) {
            await close().catch(() => {});
            controller.error(error);
          }
        },
        cancel: close,
      });
    },
  };
}

/**
 * Uploads cut off by a crash leave `.incoming-*` parts nobody will finish: swept at start-up.
 * Another process sharing the directory may be writing one right now, so only parts idle for
 * LEFTOVER_IDLE_MS go; the ones still fresh are looked at again once that much time has passed
 * (a crash just before a restart leaves fresh ones).
 */
async function removeLeftovers(dir: string, log: Logger): Promise<void> {
  let fresh = 0;
  const now = Date.now();
  for (const sub of [dir, join(dir, META_DIR)]) {
    for (const name of await readdir(sub)) {
      if (!name.startsWith(INCOMING_PREFIX)) continue;
      const info = await stat(join(sub, name)).catch(() => null);
      if (!info) continue;
      if (now - info.mtimeMs < LEFTOVER_IDLE_MS) {
        fresh++;
        continue;
      }
      await rm(join(sub, name), { force: true });
      log.info('removed unfinished upload', { file: name });
    }
  }
  if (fresh > 0) {
    const later = setTimeout(() => void removeLeftovers(dir, log).catch((error) => log.warn('sweeping unfinished uploads failed', { error: String(error) })), LEFTOVER_IDLE_MS);
    later.unref?.();
  }
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT';
