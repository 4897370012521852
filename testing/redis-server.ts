/**
 * Throwaway redis-server processes for tests. Never touches the machine's own Redis:
 * every server listens on a free loopback port, keeps nothing on disk and dies with
 * the test process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

export interface RedisServer {
  url: string;
  port: number;
  /** SIGTERM, then wait for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL: the abrupt outage resilience tests need. */
  kill(): Promise<void>;
  /** Start again on the same port (after stop or kill). */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 5000;
const PORT_ATTEMPTS = 5;

/** Every child we spawn, so none outlives the test process even when a test crashes. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

export interface RedisOptions {
  /**
   * Keep an append-only file, fsynced on every write, in this directory: a restart then keeps
   * everything Redis acknowledged (the production case). Without it nothing is kept on disk.
   */
  appendOnlyDir?: string;
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  let lastError: unknown;
  // Between closing the probe listener and redis binding, another process may take the
  // port; redis then exits at once and we try a fresh port.
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    try {
      let child = await spawnRedis(port, options);
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        stop: () => terminate(child, 'SIGTERM'),
        kill: () => terminate(child, 'SIGKILL'),
        async restart() {
          await terminate(child, 'SIGTERM');
          child = await spawnRedis(port, options);
        },
      };
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`could not start redis-server after ${PORT_ATTEMPTS} attempts`, { cause: lastError });
}

let shared: Promise<RedisServer> | undefined;

/**
 * REDIS_URL when set (tests must then use their own key prefix and delete only their
 * own keys), else one throwaway server per test process, stopped when the process exits.
 */
export async function sharedRedisUrl(): Promise<string> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return fromEnv;
  shared ??= startRedis();
  return (await shared).url;
}

async function spawnRedis(port: number, options: RedisOptions): Promise<ChildProcess> {
  const persistence = options.appendOnlyDir
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.appendOnlyDir]
    : ['--appendonly', 'no'];
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
    { stdio: 'ignore' },
  );
  // Unref'd so a forgotten server cannot keep the test process alive; the exit hook kills it.
  child.unref();
  children.add(child);
  child.once('exit', () => children.delete(child));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`redis-server exited early (${code ?? signal})`)));
  });
  exited.catch(() => {}); // only observed while we wait for readiness
  try {
    await Promise.race([waitForPong(port), exited]);
    return child;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

async function waitForPong(port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await answersPing(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms`);
}

/** A raw RESP PING, so the helper needs no client library. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), READY_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
