/**
 * The media library: upload (legacy API path `/upload` and `/api/uploads`), list, delete, and the
 * files themselves at `/uploads/<name>` with Range support. Uploads belong to the streamer,
 * not to a room: the streamer and moderators with `media.upload` / `media.delete` manage them.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { BUCKETS } from '../access/rate-limit.ts';
import { AppError } from '../errors.ts';
import { receiveUpload } from '../uploads/receive-upload.ts';
import { UploadQuota } from '../uploads/upload-quota.ts';
import { UPLOAD_NAME, isServableName, mimeOfStoredName } from '../uploads/media-types.ts';
import { parseByteRange } from '../uploads/byte-range.ts';
import { roomsUsingUpload } from '../uploads/uploads-in-use.ts';
import { uploadIdOf } from './legacy-uploads.ts';
import { LINGER_MAX_MS, lingerOnRefusal } from '../http/linger.ts';

/** A refused upload costs at most what an accepted one would (MAX_UPLOAD_MB), never less than this. */
const LINGER_MIN_BYTES = 16 * 1024 * 1024;

export function uploadRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const manage = authenticate(services, { allow: ['streamer', 'moderator'], write: true, scope: 'media.upload' });
  const remove = authenticate(services, { allow: ['streamer', 'moderator'], write: true, scope: 'media.delete' });
  const browse = authenticate(services, { allow: ['streamer', 'moderator'] });

  const limits = { maxBytes: services.config.MAX_UPLOAD_MB * 1024 * 1024, quota: new UploadQuota(services.uploads, services.config.UPLOAD_QUOTA_MB * 1024 * 1024) };
  // A refusal (401, 413, 429, 507, ...) reads what the client still sends, so it sees the answer.
  const linger = lingerOnRefusal({ maxBytes: Math.max(limits.maxBytes, LINGER_MIN_BYTES), maxMs: LINGER_MAX_MS });

  // Not readBody: that would buffer the whole file. receiveUpload streams it to storage.
  const upload = async (c: Context<AppEnv>) => {
    await services.limiter.hit(BUCKETS.upload, c.get('clientIp'));
    const received = await receiveUpload(c.req.raw, services.uploads, limits);
    services.log.info('upload stored', { id: received.id, size: received.size, duplicate: received.duplicate, by: c.get('principal').label });
    return c.json({ ok: true, ...received });
  };
  app.post('/upload', linger, manage, upload);
  app.post('/api/uploads', linger, manage, upload);

  app.get('/api/uploads', browse, async (c) => {
    const stored = (await services.uploads.list()).filter((file) => UPLOAD_NAME.test(file.name));
    const files = await Promise.all(
      stored.map(async (file) => {
        const meta = await services.uploads.readMeta(file.name);
        return {
          id: file.name,
          name: meta?.name ?? file.name,
          // The FastAPI version's panel adds `/uploads/<rel>` to the scene and deletes by `rel`.
          rel: file.name,
          path: `/uploads/${file.name}`,
          size: file.size,
          mime: mimeOfStoredName(file.name),
          created: new Date(meta?.created ?? file.created).toISOString(),
        };
      }),
    );
    files.sort((a, b) => b.created.localeCompare(a.created));
    return c.json({ ok: true, files });
  });

  app.delete('/api/uploads/:id?', remove, async (c) => {
    const id = await uploadIdOf(services, c);
    if (!UPLOAD_NAME.test(id)) throw new AppError(400, 'bad_id', 'an upload id is <sha256>.<ext>, as GET /api/uploads lists it');
    const force = ['1', 'true', 'yes'].includes(c.req.query('force') ?? '');
    const principal = c.get('principal');
    // Media is the streamer's: a moderator of one room must not pull it from under another.
    if (!(force && principal.role === 'streamer')) {
      const rooms = await roomsUsingUpload(services, id);
      if (rooms.length > 0 && force) throw new AppError(403, 'forbidden', 'only the streamer may delete media a scene uses (?force=1)');
      if (rooms.length > 0) throw inUse(rooms, principal.role === 'streamer' ? null : principal.room);
    }
    if (!(await services.uploads.remove(id))) throw new AppError(404, 'not_found', 'no upload with that id');
    services.log.info('upload deleted', { id, force, by: c.get('principal').label });
    return c.json({ ok: true, id });
  });

  // Public like the FastAPI version's: OBS loads these without credentials; names are content hashes.
  app.get('/uploads/:name', async (c) => {
    const name = c.req.param('name');
    const mime = isServableName(name) ? mimeOfStoredName(name) : null;
    const file = mime ? await services.uploads.open(name) : null;
    if (!file || !mime) return c.json({ error: { code: 'not_found', message: 'no such file' } }, 404);

    const headers = new Headers({
      'Content-Type': mime,
      'X-Content-Type-Options': 'nosniff',
      // The name is the content's hash: it can never change, so caches may keep it for good.
      'Cache-Control': 'public, max-age=31536000, immutable',
      'Accept-Ranges': 'bytes',
      ETag: `"${name.slice(0, name.lastIndexOf('.'))}"`,
    });
    const range = parseByteRange(c.req.header('range'), file.size);
    if (range === 'unsatisfiable') {
      await file.close();
      headers.set('Content-Range', `bytes */${file.size}`);
      headers.set('Content-Type', 'application/json');
      const body = JSON.stringify({ error: { code: 'range_not_satisfiable', message: `the file has ${file.size} bytes` } });
      return new Response(body, { status: 416, headers });
    }
    const { start, end } = range ?? { start: 0, end: file.size - 1 };
    headers.set('Content-Length', String(Math.max(0, end - start + 1)));
    if (range) headers.set('Content-Range', `bytes ${start}-${end}/${file.size}`);
    const status = range ? 206 : 200;
    // Hono answers HEAD by running this route and dropping the body: never open a stream for it.
    if (c.req.method === 'HEAD' || file.size === 0) {
      await file.close();
      return new Response(null, { status, headers });
    }
    return new Response(file.stream(start, end), { status, headers });
  });

  return app;
}

/** The streamer hears which rooms; a moderator only about its own, never other rooms' names. */
function inUse(rooms: string[], moderatorRoom: string | null): AppError {
  if (moderatorRoom === null) {
    return new AppError(409, 'in_use', `the file is used by a scene item in ${rooms.map((r) => `"${r}"`).join(', ')}; remove it there or add ?force=1`, {
      details: { rooms },
    });
  }
  const here = rooms.includes(moderatorRoom);
  const elsewhere = rooms.some((room) => room !== moderatorRoom);
  const where = here && elsewhere ? 'in this room and in another room' : here ? 'in this room' : 'in another room';
  return new AppError(409, 'in_use', `the file is used by a scene item ${where}; only the streamer may delete it while it is in use`, {
    details: { rooms: here ? [moderatorRoom] : [] },
  });
}
