/**
 * docker-compose.yml without a Docker engine: the compose tool validates and interpolates it
 * (`docker compose`, or Debian's docker-compose v1 — both check the file against the compose
 * schema; `config` needs no daemon), then the rendered model is checked for what the
 * deployment promises, and the services' own commands run for real where they can: redis
 * with compose's exact arguments, the app against it with compose's REDIS_URL, and coturn
 * through compose's entrypoint script with the project's turnserver.conf.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../testing/redis-server.ts';
import { startTestServer } from '../testing/test-server.ts';
import { ROOT } from '../testing/nginx-edge.ts';

const run = promisify(execFile);

/** `docker compose` (v2 plugin) if present, else `docker-compose` (v1, Debian's package). */
function findCompose(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}
const COMPOSE = findCompose();
const HAS_YAML = spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;

const SECRETS = {
  STREAMER_API_TOKEN: 'compose-test-streamer-token-0123456789',
  TOKEN_SECRET: 'compose-test-token-secret-0123456789',
  REDIS_PASSWORD: randomBytes(16).toString('hex'),
  WEBRTC_TURN_SECRET: 'compose-test-turn-secret-0123456789',
};

/** A project directory like a fresh clone: the repo's files, and a .env from .env.example. */
async function project(overrides: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'so-compose-'));
  for (const name of ['docker-compose.yml', 'Dockerfile', '.dockerignore', 'nginx', 'coturn', 'janus', 'package.json']) {
    await symlink(join(ROOT, name), join(dir, name));
  }
  let env = await readFile(join(ROOT, '.env.example'), 'utf8');
  for (const [key, value] of Object.entries(overrides)) {
    const line = new RegExp(`^(?:# )?${key}=.*$`, 'm');
    env = line.test(env) ? env.replace(line, `${key}=${value}`) : `${env}\n${key}=${value}\n`;
  }
  await writeFile(join(dir, '.env'), env);
  return dir;
}

async function compose(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [command, ...base] = COMPOSE!;
  // Only the .env file decides: no variable of this shell leaks into the interpolation.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? dir };
  return run(command!, [...base, ...args], { cwd: dir, env, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

interface Service {
  image?: string;
  build?: { context: string };
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  ports?: (string | { published: number | string; target: number; host_ip?: string })[];
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  network_mode?: string;
  restart?: string;
}
interface Model {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  networks: Record<string, { ipam?: { config?: { subnet: string }[] } }>;
}

async function model(dir: string, profiles: string[] = []): Promise<Model> {
  const rendered = await compose(dir, [...profiles.flatMap((p) => ['--profile', p]), 'config']);
  assert.is(rendered.code, 0, rendered.stderr);
  const json = spawnSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: rendered.stdout, encoding: 'utf8' });
  assert.is(json.status, 0, json.stderr);
  return JSON.parse(json.stdout) as Model;
}

/** v1 prints `$$` for a literal `$` (re-escaped for another round); the container sees `$`. */
const unescape = (text: string) => text.replaceAll('$$', '$');
const volumeTarget = (v: NonNullable<Service['volumes']>[number]) => (typeof v === 'string' ? v.split(':')[1] : v.target);
const volumeSource = (v: NonNullable<Service['volumes']>[number]) => (typeof v === 'string' ? v.split(':')[0] : v.source);
const portText = (p: NonNullable<Service['ports']>[number]) => (typeof p === 'string' ? p : `${p.host_ip ? `${p.host_ip}:` : ''}${p.published}:${p.target}`);

if (!COMPOSE || !HAS_YAML) {
  const reason = !COMPOSE
    ? 'neither `docker compose` nor `docker-compose` is installed (apt-get install -y docker-compose)'
    : 'python3-yaml is missing (it comes with docker-compose)';
  const skipped = suite('docker-compose.yml');
  skipped.skip(`compose validation skipped: ${reason}`, () => {});
  console.log(`compose tests skipped: ${reason}`);
  skipped.run();
} else {
  const valid = suite(`docker-compose.yml validated by \`${COMPOSE.join(' ')} config\``);
  let dir = '';
  let m: Model;
  valid.before(async () => {
    dir = await project(SECRETS);
    m = await model(dir, ['edge', 'certbot']);
  });
  valid.after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  valid('config -q passes in every profile combination', async () => {
    const combinations = [[], ['edge'], ['certbot'], ['edge', 'certbot'], ['sfu'], ['edge', 'sfu']];
    const results = await Promise.all(combinations.map((profiles) => compose(dir, [...profiles.flatMap((p) => ['--profile', p]), 'config', '-q'])));
    results.forEach((result, i) => assert.is(result.code, 0, `profiles ${combinations[i]}: ${result.stderr}`));
  });

  valid('each required secret missing: compose refuses and names it', async () => {
    await Promise.all(
      Object.keys(SECRETS).map(async (key) => {
        const missing = await project({ ...SECRETS, [key]: '' });
        try {
          const result = await compose(missing, ['config', '-q']);
          assert.is.not(result.code, 0, `${key} empty but compose accepted the file`);
          assert.match(result.stderr, `set ${key} in .env`);
        } finally {
          await rm(missing, { recursive: true, force: true });
        }
      }),
    );
  });

  valid('plain `up` starts web, redis and coturn; nginx and certbot only in their profiles', async () => {
    // v2 drops inactive services from `config`; v1 lists them all, with their profiles.
    const plain = await model(dir);
    const started = Object.entries(plain.services).filter(([, s]) => !s.profiles?.length).map(([name]) => name);
    assert.equal(started.sort(), ['coturn', 'redis', 'web']);
    assert.equal(m.services.nginx!.profiles, ['edge']);
    assert.equal(m.services.certbot!.profiles, ['certbot']);
    assert.equal(m.services.janus!.profiles, ['sfu']);
  });

  valid('janus (profile sfu): built from janus/, RTP range published over UDP, API unpublished, PUBLIC_IP and secrets shared with web', async () => {
    const janusSecrets = { JANUS_URL: 'ws://janus:8188', JANUS_TOKEN_SECRET: 'compose-test-janus-token-0123456789', JANUS_ADMIN_KEY: 'compose-test-janus-admin-0123456789', PUBLIC_IP: '203.0.113.7' };
    const sfuDir = await project({ ...SECRETS, ...janusSecrets });
    try {
      const sfu = await model(sfuDir, ['sfu']);
      const janus = sfu.services.janus!;
      assert.ok(janus.build?.context.endsWith('janus'), 'built from janus/Dockerfile');
      // v2 keeps the range as written; v1 expands it into one entry per port (with `protocol`).
      const published = new Set<string>();
      for (const port of janus.ports!) {
        const text = typeof port === 'string' ? port : `${port.published}:${port.target}/${(port as { protocol?: string }).protocol ?? 'tcp'}`;
        const match = /^(\d+)(?:-(\d+))?:(\d+)(?:-(\d+))?\/(udp|tcp)$/.exec(text);
        assert.ok(match, `port ${text}`);
        const [, from, to] = match;
        for (let n = Number(from); n <= Number(to ?? from); n++) published.add(`${n}/${match[5]}`);
      }
      const expected = Array.from({ length: 200 }, (_, i) => `${20000 + i}/udp`);
      assert.equal([...published].sort(), expected.sort(), 'exactly the RTP range, UDP; the API (8188) is not published');
      assert.is(janus.environment!.PUBLIC_IP, janusSecrets.PUBLIC_IP);
      assert.is(janus.environment!.JANUS_RTP_PORT_RANGE, '20000-20199');
      const web = sfu.services.web!.environment!;
      assert.is(web.JANUS_URL, janusSecrets.JANUS_URL);
      for (const key of ['JANUS_TOKEN_SECRET', 'JANUS_ADMIN_KEY'] as const) {
        assert.is(janus.environment![key], janusSecrets[key]);
        assert.is(web[key], janusSecrets[key]);
      }
      const dockerfile = await readFile(join(ROOT, 'janus/Dockerfile'), 'utf8');
      assert.match(dockerfile, /^FROM debian:bookworm-slim$/m);
      assert.match(dockerfile, /apt-get install -y --no-install-recommends janus/);
    } finally {
      await rm(sfuDir, { recursive: true, force: true });
    }
    // Without the profile web keeps peer-to-peer WebRTC.
    assert.is(m.services.web!.environment!.JANUS_URL ?? '', '');
  });

  valid('web: built from the Dockerfile, loopback port, volumes, production env, healthy redis first', () => {
    const web = m.services.web!;
    assert.ok(web.build, 'built from the Dockerfile');
    assert.equal(web.ports!.map((p) => portText(p).replace('/tcp', '')), ['127.0.0.1:13337:13337']);
    assert.equal(web.volumes!.map((v) => `${volumeSource(v)}:${volumeTarget(v)}`).sort(), ['app-data:/app/data', 'app-uploads:/app/uploads']);
    const env = web.environment!;
    assert.is(env.NODE_ENV, 'production');
    assert.is(env.HOST, '0.0.0.0');
    assert.is(env.DATA_DIR, '/app/data');
    assert.is(env.UPLOAD_DIR, '/app/uploads');
    assert.is(env.REDIS_URL, `redis://:${SECRETS.REDIS_PASSWORD}@redis:6379/0`);
    assert.is(env.TRUSTED_PROXIES, m.networks.default!.ipam!.config![0]!.subnet, 'TRUSTED_PROXIES is the compose network');
    assert.is(env.STREAMER_API_TOKEN, SECRETS.STREAMER_API_TOKEN);
    assert.equal(web.depends_on, { redis: { condition: 'service_healthy' } });
    assert.is(web.restart, 'unless-stopped');
  });

  valid('APP_HTTP_BIND / APP_HTTP_PORT / NGINX_*_PORT move the published ports', async () => {
    const moved = await project({ ...SECRETS, APP_HTTP_BIND: '0.0.0.0', APP_HTTP_PORT: '8081', NGINX_HTTP_PORT: '8080', NGINX_HTTPS_PORT: '8443' });
    try {
      const other = await model(moved, ['edge']);
      assert.match(portText(other.services.web!.ports![0]!), /^0\.0\.0\.0:8081:13337/);
      assert.equal(other.services.nginx!.ports!.map(portText).map((p) => p.replace('/tcp', '')), ['8080:80', '8443:443']);
      assert.is(other.services.nginx!.environment!.NGINX_PUBLIC_HTTPS_PORT, '8443');
    } finally {
      await rm(moved, { recursive: true, force: true });
    }
  });

  valid('redis: AOF everysec, password, volume, healthcheck, not published', () => {
    const redis = m.services.redis!;
    assert.match(String(redis.image), /^redis:7/);
    const command = (redis.command as string[]).join(' ');
    assert.match(command, /--appendonly yes/);
    assert.match(command, /--appendfsync everysec/);
    assert.match(command, new RegExp(`--requirepass ${SECRETS.REDIS_PASSWORD}`));
    assert.is(redis.ports, undefined, 'redis must not be reachable from outside');
    assert.ok(redis.healthcheck?.test.join(' ').includes('redis-cli ping'));
    assert.equal(redis.volumes!.map((v) => `${volumeSource(v)}:${volumeTarget(v)}`), ['redis-data:/data']);
  });

  valid('nginx: ports 80/443, waits for a healthy web, uploads and certificates read-only', () => {
    const nginx = m.services.nginx!;
    assert.equal(nginx.depends_on, { web: { condition: 'service_healthy' } });
    assert.equal(nginx.ports!.map(portText).map((p) => p.replace('/tcp', '')), ['80:80', '443:443']);
    const mounts = Object.fromEntries(nginx.volumes!.map((v) => [volumeTarget(v), v]));
    for (const target of ['/srv/stream-overlay/uploads', '/etc/letsencrypt', '/etc/nginx/templates', '/docker-entrypoint.d/40-stream-overlay.sh']) {
      const mount = mounts[target];
      assert.ok(mount, `${target} mounted`);
      assert.ok(typeof mount === 'string' ? mount.endsWith(':ro') : mount.read_only, `${target} read-only`);
    }
    assert.is(volumeSource(mounts['/srv/stream-overlay/uploads']!), 'app-uploads', 'the volume web writes uploads to');
    assert.is(nginx.environment!.NGINX_UPLOADS_DIR, '/srv/stream-overlay/uploads');
    assert.match(String(nginx.environment!.NGINX_UPSTREAM_SERVER), /^web:13337\b/);
    assert.is(nginx.environment!.MAX_UPLOAD_MB, '200');
  });

  valid('coturn: host network, the project config, the secret from .env', () => {
    const coturn = m.services.coturn!;
    assert.is(coturn.network_mode, 'host');
    assert.ok(coturn.volumes!.some((v) => volumeTarget(v) === '/etc/coturn/turnserver.conf' && String(volumeSource(v)).endsWith('coturn/turnserver.conf')));
    assert.is(coturn.environment!.WEBRTC_TURN_SECRET, SECRETS.WEBRTC_TURN_SECRET);
    const script = unescape((coturn.command as string[]).join('\n'));
    assert.not.ok(script.includes(SECRETS.WEBRTC_TURN_SECRET), 'the secret is not on the command line');
  });

  valid('no source bind mounts: only named volumes and nginx/coturn config files', () => {
    for (const [name, service] of Object.entries(m.services)) {
      for (const volume of service.volumes ?? []) {
        const source = String(volumeSource(volume));
        if (!source.startsWith('/')) {
          assert.ok(source in m.volumes, `${name}: ${source} is a declared named volume`);
          continue;
        }
        assert.match(source, /\/(nginx\/templates|nginx\/docker-entrypoint\.d\/40-stream-overlay\.sh|coturn\/turnserver\.conf)$/, `${name} bind-mounts ${source}`);
      }
    }
  });

  valid.run();

  const live = suite("compose's service commands, run for real");
  let liveDir = '';
  let liveModel: Model;
  live.before(async () => {
    liveDir = await project(SECRETS);
    liveModel = await model(liveDir);
  });
  live.after(async () => {
    await rm(liveDir, { recursive: true, force: true });
  });

  live('redis with compose arguments: password required, AOF everysec; the healthcheck and the app connect', async () => {
    if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
      console.log('  (redis-server not installed: redis command not run)');
      return;
    }
    const redis = liveModel.services.redis!;
    const port = await freePort();
    const data = await mkdtemp(join(tmpdir(), 'so-compose-redis-'));
    const [binary, ...args] = redis.command as string[];
    const child = spawn(binary!, [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', data], { stdio: 'ignore' });
    try {
      const cli = (extra: string[], auth = true) =>
        run('redis-cli', ['-p', String(port), ...extra], { env: { ...process.env, ...(auth ? { REDISCLI_AUTH: redis.environment!.REDISCLI_AUTH! } : {}) } }).then(
          (r) => r.stdout.trim(),
          (e: { stdout?: string }) => String(e.stdout ?? '').trim(),
        );
      const deadline = Date.now() + 5000;
      while ((await cli(['ping'])) !== 'PONG') {
        assert.ok(Date.now() < deadline, 'redis did not start');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(await cli(['ping'], false), /NOAUTH/);
      assert.is(await cli(['config', 'get', 'appendonly']), 'appendonly\nyes');
      assert.is(await cli(['config', 'get', 'appendfsync']), 'appendfsync\neverysec');
      // The compose healthcheck, pointed at this port.
      const test = redis.healthcheck!.test;
      assert.is(test[0], 'CMD-SHELL');
      await run('sh', ['-c', test[1]!.replace('redis-cli', `redis-cli -p ${port}`)], { env: { ...process.env, REDISCLI_AUTH: redis.environment!.REDISCLI_AUTH! } });
      // The app with compose's REDIS_URL (the service name is this machine here).
      const url = liveModel.services.web!.environment!.REDIS_URL!.replace('@redis:6379', `@127.0.0.1:${port}`);
      const server = await startTestServer({ env: { REDIS_URL: url } });
      try {
        assert.equal(await (await server.api('/health')).json(), { ok: true, instance_id: server.services.instanceId, store: 'redis', redis: 'up' });
      } finally {
        await server.stop();
        await rm(server.dataDir, { recursive: true, force: true });
      }
    } finally {
      child.kill('SIGKILL');
      await rm(data, { recursive: true, force: true });
    }
  });

  live("coturn through compose's entrypoint script: private config with the secret, STUN answers", async () => {
    const turnserver = ['/usr/bin/turnserver', '/usr/local/bin/turnserver'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0);
    if (!turnserver) {
      console.log('  (coturn not installed: coturn command not run)');
      return;
    }
    const coturn = liveModel.services.coturn!;
    assert.equal(coturn.entrypoint, ['/bin/sh', '-c']);
    const tmp = await mkdtemp(join(tmpdir(), 'so-compose-coturn-'));
    const port = await freePort();
    // The image has the config at /etc/coturn/turnserver.conf and turnserver on PATH; here a
    // wrapper adds what keeps the test on loopback and away from system paths.
    await writeFile(
      join(tmp, 'turnserver'),
      `#!/bin/sh\nexec ${turnserver} "$@" --listening-ip=127.0.0.1 --listening-port=${port} --relay-ip=127.0.0.1 --pidfile=${tmp}/turnserver.pid --no-tcp-relay --simple-log\n`,
      { mode: 0o755 },
    );
    const script = unescape((coturn.command as string[])[0]!).replaceAll('/etc/coturn/turnserver.conf', join(ROOT, 'coturn/turnserver.conf'));
    const env = { PATH: `${tmp}:${process.env.PATH}`, TMPDIR: tmp, ...(coturn.environment as Record<string, string>) };
    let output = '';
    const child = spawn('/bin/sh', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      const conf = join(tmp, 'turnserver.conf');
      const deadline = Date.now() + 10_000;
      let answer: Buffer | null = null;
      while (!answer) {
        assert.ok(child.exitCode === null, `turnserver exited:\n${output}`);
        assert.ok(Date.now() < deadline, `no STUN answer within 10 s:\n${output}`);
        answer = await stunBinding(port).catch(() => null);
      }
      assert.is(answer.readUInt16BE(0), 0x0101, 'a Binding success response');
      const written = await readFile(conf, 'utf8');
      assert.ok(written.includes(`\nstatic-auth-secret=${SECRETS.WEBRTC_TURN_SECRET}\n`));
      assert.ok(written.startsWith(await readFile(join(ROOT, 'coturn/turnserver.conf'), 'utf8')), 'the project config, then the secret');
      assert.not.match(written, /^external-ip=/m, 'no TURN_EXTERNAL_IP: no external-ip line');
      assert.is((await stat(conf)).mode & 0o077, 0, 'the private copy is readable by its owner only');
      assert.not.match(output, /CONFIG ERROR|Bad configuration/i);
    } finally {
      child.kill('SIGKILL');
      await rm(tmp, { recursive: true, force: true });
    }
  });

  live.run();
}

/** One STUN Binding request (RFC 8489) over UDP; resolves with the response datagram. */
function stunBinding(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0);
    request.writeUInt16BE(0, 2);
    request.writeUInt32BE(0x2112a442, 4);
    randomBytes(12).copy(request, 8);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('timeout'));
    }, 300);
    socket.once('message', (message) => {
      clearTimeout(timer);
      socket.close();
      if (message.subarray(8, 20).equals(request.subarray(8, 20))) resolve(message);
      else reject(new Error('another transaction'));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.send(request, port, '127.0.0.1');
  });
}
