/**
 * Debian's coturn for relay tests, started with the project's own coturn/turnserver.conf plus
 * test-only overrides on the command line:
 *   - it listens and relays on 127.0.0.1 (a test machine may have no other usable address);
 *   - loopback peers are allowed (--allow-loopback-peers, --allowed-peer-ip=127.0.0.1),
 *     which the shipped config forbids on purpose (denied-peer-ip covers 127.0.0.0/8): in a
 *     test both browsers are on loopback, in production that rule keeps TURN out of the VPS;
 *   - a throwaway static-auth-secret, pid file and SQLite path in a temp directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TURNSERVER = '/usr/bin/turnserver';
const CONFIG = fileURLToPath(new URL('../coturn/turnserver.conf', import.meta.url));

export interface Coturn {
  port: number;
  secret: string;
  /** For WEBRTC_TURN_URL. */
  url: string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * `relayIp`: relay from (and allow peers on) this address instead of loopback: Janus only
 * listens on the machine's own address, which coturn relaying from 127.0.0.1 cannot reach.
 */
export async function startCoturn(options: { relayIp?: string } = {}): Promise<Coturn> {
  const relayIp = options.relayIp ?? '127.0.0.1';
  const dir = await mkdtemp(join(tmpdir(), 'so-coturn-'));
  const port = await freePort();
  const secret = `coturn-test-secret-${crypto.randomUUID()}`;
  const child: ChildProcess = spawn(
    TURNSERVER,
    [
      '-c', CONFIG,
      `--static-auth-secret=${secret}`,
      '--listening-ip=127.0.0.1',
      `--relay-ip=${relayIp}`,
      `--listening-port=${port}`,
      '--allow-loopback-peers',
      '--allowed-peer-ip=127.0.0.1',
      ...(relayIp === '127.0.0.1' ? [] : [`--allowed-peer-ip=${relayIp}`]),
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const until = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`coturn did not start:\n${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    secret,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    log: () => output,
    async stop() {
      child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timeout);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** coturn's TCP listener is up (the UDP one opens alongside it). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
