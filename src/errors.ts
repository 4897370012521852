/**
 * One path from failures to responses: handlers throw AppError (or let a StoreUnavailableError
 * through) and the app's onError turns it into `{ error: { code, message, issues? } }`.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { StoreUnavailableError } from './store/store.ts';
import type { Logger } from './logger.ts';

export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly extras: { issues?: Record<string, string[]>; headers?: Record<string, string>; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string, issues?: Record<string, string[]>) =>
  new AppError(400, code, message, { issues });

export function errorResponse(c: Context, error: unknown, log: Logger): Response {
  if (error instanceof AppError) {
    const { issues, headers, details } = error.extras;
    for (const [name, value] of Object.entries(headers ?? {})) c.header(name, value);
    return c.json({ error: { code: error.code, message: error.message, ...details, ...(issues ? { issues } : {}) } }, error.status);
  }
  if (error instanceof StoreUnavailableError) {
    c.header('Retry-After', '2');
    return c.json({ error: { code: error.code, message: error.message } }, 503);
  }
  const status = (error as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Hono's own HTTPExceptions (e.g. a body over the limit).
    return c.json({ error: { code: status === 413 ? 'too_large' : 'bad_request', message: (error as Error).message || 'bad request' } }, status as ContentfulStatusCode);
  }
  log.error('unhandled error', { path: c.req.path, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
}
