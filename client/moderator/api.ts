/**
 * JSON calls to our own API with the session cookie. Errors keep the server's stable `code`
 * (the panel branches on it, never on message text); a 401 anywhere means the session is gone.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The rest of the error body, e.g. `rooms` of an `in_use` refusal. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let onUnauthorized: (() => void) | null = null;

/** Called on any 401 from a call made with `session: true` (the panel shows "revoked"). */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(path: string, init: { method?: string; json?: unknown; session?: boolean } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers: init.json === undefined ? {} : { 'content-type': 'application/json' },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
    credentials: 'same-origin',
  });
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  if (!res.ok) throw errorFrom(res.status, body, init.session ?? false);
  return body as T;
}

export function errorFrom(status: number, body: unknown, session: boolean): ApiError {
  const error = ((body as { error?: Record<string, unknown> } | null)?.error ?? {}) as Record<string, unknown>;
  const code = typeof error.code === 'string' ? error.code : `http_${status}`;
  const message = typeof error.message === 'string' ? error.message : `HTTP ${status}`;
  if (status === 401 && session) onUnauthorized?.();
  return new ApiError(status, code, message, error);
}

/** Calls made while logged in: a 401 ends the panel's session. */
export const sessionApi = <T>(path: string, init: { method?: string; json?: unknown } = {}) => api<T>(path, { ...init, session: true });
