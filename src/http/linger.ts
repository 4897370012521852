/**
 * Refusing a large upload before its body has arrived: if the server answers and closes at
 * once, the client is still sending, its next write hits a closed socket (EPIPE/ECONNRESET)
 * and it never reads the clear 413. So a refusal reads and discards what the client is still
 * sending, up to a bound (like nginx's lingering close), and only then answers, with
 * `Connection: close`. Past the bound the client may still see a reset: that is the price of
 * not reading an unbounded body.
 */
import type { MiddlewareHandler } from 'hono';

export interface LingerLimits {
  /** Most bytes discarded for one refused request. */
  maxBytes: number;
  /** Longest time spent discarding (a client may trickle). */
  maxMs: number;
}

/** nginx's lingering_time default. */
export const LINGER_MAX_MS = 30_000;

/** Middleware for routes that take large bodies: every 4xx/5xx answer lingers over the unread rest. */
export function lingerOnRefusal(limits: LingerLimits): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.res.status < 400 || !c.req.raw.body) return;
    await discardRest(c.req.raw.body, limits);
    c.res.headers.set('Connection', 'close');
  };
}

/**
 * Read and drop what is left of `body`; true when it ended within the limits. A stream that
 * is locked (someone still reads it) or already failed is left alone.
 */
export async function discardRest(body: ReadableStream<Uint8Array>, limits: LingerLimits): Promise<boolean> {
  if (body.locked) return false;
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limits.maxMs);
  });
  let discarded = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timedOut]);
      if (next === 'timeout') return false;
      if (next.done) return true;
      discarded += next.value.byteLength;
      if (discarded > limits.maxBytes) return false;
    }
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    // Not cancel(): on Node that would tear the socket down before the answer is written.
    reader.releaseLock();
  }
}
