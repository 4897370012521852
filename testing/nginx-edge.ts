/**
 * The project's nginx config, run by the machine's real nginx as the official image would:
 * render nginx/templates/ with envsubst (only the NGINX_* variables, like the compose file's
 * NGINX_ENVSUBST_FILTER), run nginx/docker-entrypoint.d/40-stream-overlay.sh, then start
 * nginx with a main nginx.conf shaped like the image's, in a temp prefix, on free ports.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server.ts';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** NGINX_BINARY=/path/to/nginx tests another build (e.g. the 1.28 the compose image runs). */
export const NGINX_BINARY =
  [process.env.NGINX_BINARY, '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => p && spawnSync(p, ['-v']).status === 0) ?? null;
const TEMPLATES = join(ROOT, 'nginx/templates');
const ENTRYPOINT_SCRIPT = join(ROOT, 'nginx/docker-entrypoint.d/40-stream-overlay.sh');
const ENVSUBST_FILTER = /^NGINX_/;

export interface NginxPrefix {
  dir: string;
  /** What 40-stream-overlay.sh printed. */
  scriptOutput: string;
  /** `nginx -t` output (it prints to stderr). */
  testOutput: string;
  testPassed: boolean;
}

export interface RunningNginx extends NginxPrefix {
  httpPort: number;
  httpsPort: number;
  url: string;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/** The main config, like the image's /etc/nginx/nginx.conf, with every path in `dir`. */
export function mainConfig(dir: string, includes: string): string {
  return `worker_processes 1;
error_log ${dir}/error.log notice;
pid ${dir}/nginx.pid;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log ${dir}/access.log;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path ${dir}/temp/body;
    proxy_temp_path ${dir}/temp/proxy;
    fastcgi_temp_path ${dir}/temp/fastcgi;
    uwsgi_temp_path ${dir}/temp/uwsgi;
    scgi_temp_path ${dir}/temp/scgi;
    include ${includes};
}
`;
}

/** envsubst "$defined" as 20-envsubst-on-templates.sh calls it, for the filtered names. */
async function renderTemplate(text: string, env: Record<string, string>): Promise<string> {
  const names = Object.keys(env).filter((name) => ENVSUBST_FILTER.test(name));
  const shellFormat = names.map((name) => `\${${name}}`).join(' ');
  const run = spawnSync('envsubst', [shellFormat], { input: text, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    // No gettext-base: the same substitution by hand (${NAME} and $NAME of the listed names).
    return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, braced?: string, bare?: string) => {
      const name = (braced ?? bare)!;
      return names.includes(name) ? env[name]! : whole;
    });
  }
  return run.stdout;
}

async function listTemplates(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listTemplates(path)));
    else if (entry.name.endsWith('.template')) found.push(path);
  }
  return found;
}

/**
 * Render the edge config into a fresh temp prefix and check it with `nginx -t`.
 * `env` is what docker-compose.yml gives the nginx container (NGINX_* and the script's inputs).
 */
export async function prepareEdge(env: Record<string, string>): Promise<NginxPrefix> {
  const dir = await mkdtemp(join(tmpdir(), 'so-nginx-'));
  await chmod(dir, 0o755);
  const confD = join(dir, 'conf.d');
  await mkdir(join(dir, 'temp'), { recursive: true });
  for (const template of await listTemplates(TEMPLATES)) {
    const output = join(confD, relative(TEMPLATES, template).replace(/\.template$/, ''));
    await mkdir(dirname(output), { recursive: true });
    await writeFile(output, await renderTemplate(await readFile(template, 'utf8'), env));
  }
  const script = spawnSync('sh', [ENTRYPOINT_SCRIPT], {
    env: { PATH: process.env.PATH, ...env, NGINX_ENVSUBST_OUTPUT_DIR: confD },
    encoding: 'utf8',
  });
  const scriptOutput = `${script.stdout}${script.stderr}`;
  if (script.status !== 0) throw Object.assign(new Error(`40-stream-overlay.sh failed:\n${scriptOutput}`), { scriptOutput, dir });
  await writeFile(join(dir, 'nginx.conf'), mainConfig(dir, `${confD}/*.conf`));
  const checked = nginxTest(dir);
  return { dir, scriptOutput, testOutput: checked.output, testPassed: checked.ok };
}

/** A plain config file (e.g. nginx/host-example.conf, rewritten by the caller) in a prefix. */
export async function preparePlain(config: string): Promise<NginxPrefix> {
  const dir = await mkdtemp(join(tmpdir(), 'so-nginx-'));
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'temp'), { recursive: true });
  await writeFile(join(dir, 'site.conf'), config);
  await writeFile(join(dir, 'nginx.conf'), mainConfig(dir, join(dir, 'site.conf')));
  const checked = nginxTest(dir);
  return { dir, scriptOutput: '', testOutput: checked.output, testPassed: checked.ok };
}

function nginxTest(dir: string): { ok: boolean; output: string } {
  if (!NGINX_BINARY) return { ok: false, output: 'nginx is not installed' };
  const run = spawnSync(NGINX_BINARY, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-t'], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

/** Start nginx in the foreground on a prepared prefix; resolves once `httpPort` accepts. */
export async function startNginx(prefix: NginxPrefix, ports: { httpPort: number; httpsPort: number }): Promise<RunningNginx> {
  if (!NGINX_BINARY) throw new Error('nginx is not installed');
  if (!prefix.testPassed) throw new Error(`nginx -t failed:\n${prefix.testOutput}`);
  const child = spawn(NGINX_BINARY, ['-p', prefix.dir, '-c', join(prefix.dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGQUIT');
  process.once('exit', () => void (child.exitCode === null && child.kill('SIGKILL')));
  const deadline = Date.now() + 5000;
  while (!(await accepts(ports.httpPort))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`nginx did not start:\n${output}\n${await readFile(join(prefix.dir, 'error.log'), 'utf8').catch(() => '')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    ...prefix,
    ...ports,
    url: `http://127.0.0.1:${ports.httpPort}`,
    errorLog: () => readFile(join(prefix.dir, 'error.log'), 'utf8').catch(() => ''),
    async stop() {
      kill();
      await exited;
      await rm(prefix.dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function twoFreePorts(): Promise<{ httpPort: number; httpsPort: number }> {
  const httpPort = await freePort();
  let httpsPort = await freePort();
  while (httpsPort === httpPort) httpsPort = await freePort();
  return { httpPort, httpsPort };
}

/** A self-signed certificate for `name`, laid out like certbot's live/<name>/ directory. */
export async function selfSignedCert(dir: string, name: string): Promise<string> {
  const live = join(dir, 'live', name);
  await mkdir(live, { recursive: true });
  const run = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-keyout', join(live, 'privkey.pem'), '-out', join(live, 'fullchain.pem')],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`openssl failed: ${run.stderr}`);
  return live;
}

export async function isExecutable(path: string): Promise<boolean> {
  return ((await stat(path)).mode & 0o111) !== 0;
}


/** The version of NGINX_BINARY as [major, minor, patch], or null. */
export function nginxVersion(): [number, number, number] | null {
  if (!NGINX_BINARY) return null;
  const run = spawnSync(NGINX_BINARY, ['-v'], { encoding: 'utf8' });
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(`${run.stdout}${run.stderr}`);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

/**
 * A DNS server for A queries of the given names (docker's 127.0.0.11 answering for service
 * names); anything else gets an empty answer. `set` moves a name, as a recreated container does.
 */
export async function startDnsStub(records: Record<string, string>): Promise<{ address: string; queries: () => number; set(name: string, ip: string): void; stop(): void }> {
  const { createSocket } = await import('node:dgram');
  const socket = createSocket('udp4');
  let queries = 0;
  socket.on('message', (message, peer) => {
    queries++;
    const labels: string[] = [];
    let at = 12;
    while (message[at]) {
      labels.push(message.subarray(at + 1, at + 1 + message[at]!).toString());
      at += message[at]! + 1;
    }
    const questionEnd = at + 5;
    const ip = message.readUInt16BE(at + 1) === 1 ? records[labels.join('.')] : undefined;
    const header = Buffer.from(message.subarray(0, 12));
    header.writeUInt16BE(0x8180, 2); // response, recursion desired+available, no error
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(ip ? 1 : 0, 6);
    header.writeUInt32BE(0, 8);
    const answer = ip ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, ...ip.split('.').map(Number)]) : Buffer.alloc(0);
    socket.send(Buffer.concat([header, message.subarray(12, questionEnd), answer]), peer.port, peer.address);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', () => resolve()));
  return {
    address: `127.0.0.1:${port}`,
    queries: () => queries,
    set: (name, ip) => void (records[name] = ip),
    stop: () => socket.close(),
  };
}
