/**
 * Debian's janus for tests, benchmarks and `npm run janus` (local runs): the project's own
 * templates (janus/*.template) rendered by the same janus/render-config.sh the image runs, on
 * a free loopback port with generated secrets and a temp config folder. Like the redis helper
 * it never touches the machine's own Janus service and dies with the process that started it.
 *
 * Janus never offers loopback candidates, so media uses the machine's own address (routed
 * over lo anyway): `ice_enforce_list` pins it, and coturn in tests must relay from it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server.ts';

export const JANUS_BINARY = '/usr/bin/janus';
const RENDER = fileURLToPath(new URL('../janus/render-config.sh', import.meta.url));
const TEMPLATES = fileURLToPath(new URL('../janus/', import.meta.url));
const READY_TIMEOUT_MS = 15_000;

export interface Janus {
  /** For JANUS_URL. */
  url: string;
  port: number;
  tokenSecret: string;
  adminKey: string;
  /** The address Janus gathers candidates on (coturn must relay from it to reach Janus). */
  mediaIp: string;
  pid(): number | undefined;
  log(): string;
  /** SIGKILL: the crash the recovery tests need. */
  kill(): Promise<void>;
  /** Start again on the same port with the same secrets (after kill or stop). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** The machine's first non-internal IPv4 address; Janus will not use loopback for media. */
export function machineAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  throw new Error('no non-loopback IPv4 address: Janus cannot gather candidates here');
}

export interface JanusOptions {
  rtpPorts?: string;
  debugLevel?: number;
  /** Default: a free one. */
  port?: number;
  /** Default: generated. */
  tokenSecret?: string;
  adminKey?: string;
}

export async function startJanus(options: JanusOptions = {}): Promise<Janus> {
  const dir = await mkdtemp(join(tmpdir(), 'so-janus-'));
  const port = options.port ?? (await freePort());
  const mediaIp = machineAddress();
  // A random 200-port window, so test files running side by side do not share RTP ports.
  const base = 20_000 + Math.floor(Math.random() * 200) * 200;
  const env = {
    ...process.env,
    JANUS_TEMPLATE_DIR: TEMPLATES,
    JANUS_CONFIG_DIR: dir,
    JANUS_TOKEN_SECRET: options.tokenSecret ?? `janus-token-${crypto.randomUUID()}`,
    JANUS_ADMIN_KEY: options.adminKey ?? `janus-admin-${crypto.randomUUID()}`,
    JANUS_ADMIN_SECRET: `janus-admin-secret-${crypto.randomUUID()}`,
    JANUS_WS_IP: '127.0.0.1',
    JANUS_WS_PORT: String(port),
    JANUS_RTP_PORT_RANGE: options.rtpPorts ?? `${base}-${base + 199}`,
    JANUS_ICE_ENFORCE_LIST: mediaIp,
    JANUS_NAT_1_1_MAPPING: '',
    PUBLIC_IP: '',
    JANUS_DEBUG_LEVEL: String(options.debugLevel ?? 3),
  };
  let output = '';
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('sh', [RENDER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const current = child;
    current.once('exit', () => children.delete(current));
    current.stdout!.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
    current.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
    const until = Date.now() + READY_TIMEOUT_MS;
    while (!(await accepts(port))) {
      if (current.exitCode !== null || Date.now() > until) {
        current.kill('SIGKILL');
        throw new Error(`janus did not start on port ${port}:\n${output.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const terminate = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    tokenSecret: env.JANUS_TOKEN_SECRET,
    adminKey: env.JANUS_ADMIN_KEY,
    mediaIp,
    pid: () => child.pid,
    log: () => output,
    kill: () => terminate('SIGKILL'),
    async restart() {
      await terminate('SIGTERM');
      await launch();
    },
    async stop() {
      await terminate('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The WebSocket transport's TCP listener is up. */
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
