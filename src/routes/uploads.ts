/**
 * The media library: upload (seed path `/upload` and `/api/uploads`), list, delete, and the
 * files themselves at `/uploads/<name>` with Range support. Uploads belong to the streamer,
 * not to a room: the streamer and any moderator may manage them.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { BUCKETS } from '../access/rate-limit.ts';
import { AppError } from '../errors.ts';
import { receiveUpload } from '../uploads/receive-upload.ts';
import { UPLOAD_NAME, isServableName, mimeOfStoredName } from '../uploads/media-types.ts';
import { parseByteRange } from '../uploads/byte-range.ts';
import { roomsUsingUpload } from '../uploads/uploads-in-use.ts';
import { uploadIdOf } from './legacy-uploads.ts';

export function uploadRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const manage = authenticate(services, { allow: ['streamer', 'moderator'], write: true });
  const browse = authenticate(services, { allow: ['streamer', 'moderator'] });

  // Not readBody: that would buffer the whole file. receiveUpload streams it to storage.
  const upload = async (c: Context<AppEnv>) => {
    await services.limiter.hit(BUCKETS.upload, c.get('clientIp'));
    const received = await receiveUpload(c.req.raw, services.uploads, services.config.MAX_UPLOAD_MB * 1024 * 1024);
    services.log.info('upload stored', { id: received.id, size: received.size, duplicate: received.duplicate, by: c.get('principal').label });
    return c.json({ ok: true, ...received });
  };
  app.post('/upload', manage, upload);
  app.post('/api/uploads', manage, upload);

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

  app.delete('/api/uploads/:id?', manage, async (c) => {
    const id = await uploadIdOf(services, c);
    if (!UPLOAD_NAME.test(id)) throw new AppError(400, 'bad_id', 'an upload id is <sha256>.<ext>, as GET /api/uploads lists it');
    const force = ['1', 'true', 'yes'].includes(c.req.query('force') ?? '');
    if (!force) {
      const rooms = await roomsUsingUpload(services, id);
      if (rooms.length > 0) {
        throw new AppError(409, 'in_use', `the file is used by a scene item in ${rooms.map((r) => `"${r}"`).join(', ')}; remove it there or add ?force=1`, {
          details: { rooms },
        });
      }
    }
    if (!(await services.uploads.remove(id))) throw new AppError(404, 'not_found', 'no upload with that id');
    services.log.info('upload deleted', { id, force, by: c.get('principal').label });
    return c.json({ ok: true, id });
  });

  // Public like the seed's: OBS loads these without credentials; names are content hashes.
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
