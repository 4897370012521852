/**
 * The FastAPI version's ways to name a file to delete. Its panel lists `GET /api/uploads`
 * and deletes with `DELETE /api/uploads/{name}` (the `name` it listed, for us the original
 * file name) or `DELETE /api/uploads?path=<rel>` (`rel`, for us the stored name, also as
 * `/uploads/<rel>`). Both resolve to the stored name our own delete takes.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { AppError, badRequest } from '../errors.ts';
import { UPLOAD_NAME } from '../uploads/media-types.ts';

export async function uploadIdOf(services: Services, c: Context<AppEnv>): Promise<string> {
  const given = c.req.param('id') ?? c.req.query('path')?.replace(/^\/+/, '').replace(/^uploads\//, '');
  if (given === undefined || given === '') throw badRequest('bad_id', 'name the upload: DELETE /api/uploads/<id> (or the FastAPI version\'s ?path=<rel>)');
  if (UPLOAD_NAME.test(given)) return given;
  // A file name is a name, never a path: `../x` or `a/b` names nothing in the library.
  if (/[/\\\u0000-\u001f]/.test(given) || given.length > 255) throw badRequest('bad_id', 'an upload is named by its id (<sha256>.<ext>) or its file name, never a path');
  // Not a stored name: the original file name the FastAPI version's panel shows and sends.
  const named: string[] = [];
  for (const file of await services.uploads.list()) {
    if (UPLOAD_NAME.test(file.name) && (await services.uploads.readMeta(file.name))?.name === given) named.push(file.name);
  }
  if (named.length === 1) return named[0]!;
  if (named.length > 1) {
    throw new AppError(409, 'ambiguous_name', `${named.length} uploads are called "${given}"; delete one by its id`, { details: { ids: named } });
  }
  throw new AppError(404, 'not_found', `no upload with the id or name "${given}"`);
}
