/**
 * The Redis connection's life, apart from what is stored: which errors mean "Redis cannot be
 * reached now" (the store answers StoreUnavailableError for those), outages logged once, the
 * wait for readiness at start, and a quit that does not hang during an outage.
 */
import type { Redis } from 'ioredis';

export interface OutageLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** What ioredis and the socket say when Redis cannot be reached (ioredis has no error codes for these). */
const CONNECTION_MESSAGES = [
  "Stream isn't writeable",
  'Connection is closed',
  'Command timed out',
  'Command aborted due to connection close',
  'Reached the max retries per request limit',
];
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
]);
/** Replies meaning "Redis is there but cannot serve now", as opposed to "this command is wrong". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|READONLY|OOM|CLUSTERDOWN|NOREPLICAS)\b/;

export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError' || err.name === 'AbortError') return true;
  if (err.name === 'ReplyError') return TRANSIENT_REPLY.test(err.message);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return CONNECTION_MESSAGES.some((message) => err.message.includes(message));
}

/** One warning when a connection is lost, one note when it is back: no line per retry. */
export function reportOutagesOnce(connection: Redis, label: string, logger: OutageLogger): void {
  let down = false;
  connection.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger.warn(`${label}: unavailable (${err.message}); retrying in the background`);
  });
  connection.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info(`${label}: reachable again`);
  });
}

export function becomesReady(connection: Redis, timeoutMs: number): Promise<boolean> {
  if (connection.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      connection.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    connection.once('ready', onReady);
  });
}

/** QUIT when connected (lets replies drain); otherwise just stop reconnecting. */
export async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
      return;
    } catch {
      // Fall through: the connection went away meanwhile.
    }
  }
  connection.disconnect();
}
