/**
 * .env.example is the list of settings: exactly the keys of the config schema
 * (src/config.ts) plus the few only docker compose reads, each with a comment, no working
 * secret, documented defaults equal to the real ones. Fails as soon as someone adds a
 * variable to the schema (or compose) without documenting it here, or the reverse.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigSchema, parseConfig } from '../src/config.ts';
import { ROOT } from '../testing/nginx-edge.ts';

/** Read by docker-compose.yml only (interpolation), never by the app. */
const COMPOSE_ONLY = [
  'COMPOSE_PROJECT_NAME',
  'COMPOSE_PROFILES',
  'REDIS_PASSWORD',
  'NGINX_SERVER_NAME',
  'NGINX_HTTP_PORT',
  'NGINX_HTTPS_PORT',
  'APP_HTTP_BIND',
  'APP_HTTP_PORT',
  'COMPOSE_SUBNET',
  'TURN_EXTERNAL_IP',
  'PUBLIC_IP',
  'JANUS_RTP_MIN_PORT',
  'JANUS_RTP_MAX_PORT',
];
const SECRET_KEY = /TOKEN|SECRET|PASSWORD|CREDENTIAL/;
const NOT_A_SECRET = /_SECONDS$/;

interface Entry {
  key: string;
  value: string;
  /** false for "# KEY=value" (a documented default). */
  active: boolean;
  line: number;
}

const ASSIGNMENT = /^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$/;

function parseEnvExample(text: string): { entries: Entry[]; lines: string[] } {
  const lines = text.split('\n');
  const entries: Entry[] = [];
  lines.forEach((line, index) => {
    const match = ASSIGNMENT.exec(line);
    if (match) entries.push({ key: match[2]!, value: match[3]!, active: !match[1], line: index });
  });
  return { entries, lines };
}

const text = await readFile(join(ROOT, '.env.example'), 'utf8');
const { entries, lines } = parseEnvExample(text);
const schemaKeys = Object.keys(ConfigSchema.entries);
const SECRETS = { STREAMER_API_TOKEN: 'env-example-streamer-token-0123456789', TOKEN_SECRET: 'env-example-token-secret-0123456789' };

const test = suite('.env.example');

test('lists exactly the config schema keys plus the compose-only ones', () => {
  const listed = new Set(entries.map((e) => e.key));
  const expected = new Set([...schemaKeys, ...COMPOSE_ONLY]);
  const missing = [...expected].filter((k) => !listed.has(k));
  const extra = [...listed].filter((k) => !expected.has(k));
  assert.equal(missing, [], `in src/config.ts (or compose) but not in .env.example: ${missing.join(', ')}`);
  assert.equal(extra, [], `in .env.example but read by nobody: ${extra.join(', ')} (a compose-only key? add it to COMPOSE_ONLY)`);
  const stale = COMPOSE_ONLY.filter((k) => schemaKeys.includes(k));
  assert.equal(stale, [], `now in the schema, remove from COMPOSE_ONLY: ${stale.join(', ')}`);
});

test('each key once, each under a comment that explains it', () => {
  const seen = new Map<string, number>();
  for (const entry of entries) {
    assert.not.ok(seen.has(entry.key), `${entry.key} listed twice (lines ${seen.get(entry.key)! + 1} and ${entry.line + 1})`);
    seen.set(entry.key, entry.line);
    // Keys may share a comment (HOST and PORT); above the group there must be prose.
    let above = entry.line - 1;
    while (above >= 0 && ASSIGNMENT.test(lines[above]!)) above--;
    const comment = lines[above] ?? '';
    assert.ok(/^#\s*\S/.test(comment) && !/^#\s*=+/.test(comment), `${entry.key} (line ${entry.line + 1}) has no comment above it`);
  }
});

test('no working secret: every secret is empty', () => {
  for (const entry of entries.filter((e) => SECRET_KEY.test(e.key) && !NOT_A_SECRET.test(e.key))) {
    assert.is(entry.value, '', `${entry.key} has a value in the example`);
  }
});

test('the example as written parses (development, and production once the secrets are set)', () => {
  const active = Object.fromEntries(entries.filter((e) => e.active && schemaKeys.includes(e.key)).map((e) => [e.key, e.value]));
  parseConfig(active);
  parseConfig({ ...active, ...SECRETS, NODE_ENV: 'production', WEBRTC_TURN_SECRET: 'env-example-turn-secret-0123456789' });
});

test('documented defaults ("# KEY=value") are the schema defaults', () => {
  const defaults = parseConfig({}) as Record<string, unknown>;
  for (const entry of entries.filter((e) => !e.active && schemaKeys.includes(e.key))) {
    const parsed = parseConfig({ [entry.key]: entry.value }) as Record<string, unknown>;
    assert.equal(parsed[entry.key], defaults[entry.key], `${entry.key}: the example says ${JSON.stringify(entry.value)}, the schema defaults to ${JSON.stringify(defaults[entry.key])}`);
  }
});

test('every ${VAR} of docker-compose.yml is listed, with the same default', async () => {
  const compose = await readFile(join(ROOT, 'docker-compose.yml'), 'utf8');
  const used = [...compose.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)(?::?([-?])([^}]*))?\}/g)];
  assert.ok(used.length > 5);
  for (const [, key, kind, fallback] of used) {
    const entry = entries.find((e) => e.key === key);
    assert.ok(entry, `docker-compose.yml uses \${${key}} but .env.example does not list it`);
    if (kind === '-' && !entry!.active && entry!.value !== '') {
      assert.is(entry!.value, fallback, `${key}: compose defaults to ${fallback}, the example documents ${entry!.value}`);
    }
  }
});

test('docs/deployment.md has a row for every variable', async () => {
  const doc = await readFile(join(ROOT, 'docs/deployment.md'), 'utf8');
  const missing = entries.map((e) => e.key).filter((key) => !doc.includes(`| \`${key}\` |`));
  assert.equal(missing, [], `add to the environment table in docs/deployment.md: ${missing.join(', ')}`);
});

test('the systemd unit sets only schema keys', async () => {
  const unit = await readFile(join(ROOT, 'systemd/stream-overlay.service'), 'utf8');
  for (const [, key] of unit.matchAll(/^Environment=([A-Z_]+)=/gm)) {
    assert.ok(schemaKeys.includes(key!), `systemd sets ${key}, which the app does not read`);
  }
});

test.run();

const init = suite('scripts/init-env.sh');
let dir = '';
init.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'so-init-env-'));
  await mkdir(join(dir, 'scripts'));
  await cp(join(ROOT, 'scripts/init-env.sh'), join(dir, 'scripts/init-env.sh'));
  await cp(join(ROOT, '.env.example'), join(dir, '.env.example'));
});
init.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

init('writes .env with fresh secrets and the domain; the result is a valid production config', async () => {
  await promisify(execFile)('sh', [join(dir, 'scripts/init-env.sh'), 'overlay.example.com']);
  const written = parseEnvExample(await readFile(join(dir, '.env'), 'utf8')).entries;
  const value = (key: string) => written.find((e) => e.key === key && e.active)?.value;
  for (const key of ['STREAMER_API_TOKEN', 'TOKEN_SECRET', 'REDIS_PASSWORD', 'WEBRTC_TURN_SECRET']) assert.match(value(key) ?? '', /^[0-9a-f]{64}$/, key);
  assert.is.not(value('STREAMER_API_TOKEN'), value('TOKEN_SECRET'));
  assert.is(value('PUBLIC_BASE_URL'), 'https://overlay.example.com');
  assert.is(value('WEBRTC_STUN_URL'), 'stun:overlay.example.com:3478');
  assert.is(value('WEBRTC_TURN_URL'), 'turn:overlay.example.com:3478?transport=udp,turn:overlay.example.com:3478?transport=tcp');
  const env = Object.fromEntries(written.filter((e) => e.active && schemaKeys.includes(e.key)).map((e) => [e.key, e.value]));
  const config = parseConfig({ ...env, NODE_ENV: 'production' });
  assert.equal(config.WEBRTC_TURN_URL, ['turn:overlay.example.com:3478?transport=udp', 'turn:overlay.example.com:3478?transport=tcp']);
});

init('refuses to overwrite an existing .env', async () => {
  const before = await readFile(join(dir, '.env'), 'utf8');
  const failed = await promisify(execFile)('sh', [join(dir, 'scripts/init-env.sh')]).then(
    () => false,
    (error: { stderr?: string }) => /already exists/.test(error.stderr ?? ''),
  );
  assert.ok(failed);
  assert.is(await readFile(join(dir, '.env'), 'utf8'), before);
});

init('an IP address gets plain http (no Let\'s Encrypt certificate for it)', async () => {
  await rm(join(dir, '.env'));
  await promisify(execFile)('sh', [join(dir, 'scripts/init-env.sh'), '203.0.113.7']);
  assert.match(await readFile(join(dir, '.env'), 'utf8'), /^PUBLIC_BASE_URL=http:\/\/203\.0\.113\.7$/m);
});

init.run();
