/**
 * janus/render-config.sh, the janus image's entrypoint, run for real with `sh` and a stand-in
 * `janus` on PATH (so nothing listens): what the compose service renders from its environment.
 * That Debian's janus runs these rendered files is shown by every test using testing/janus.ts.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const HERE = fileURLToPath(new URL('./', import.meta.url));
const LIB = '/usr/lib/x86_64-linux-gnu/janus';
const SECRETS = { JANUS_TOKEN_SECRET: 'render-test-token-secret-0123456789', JANUS_ADMIN_KEY: 'render-test-admin-key-0123456789' };

const test = suite('janus/render-config.sh');
let dir: string;

test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'so-janus-render-'));
  // The stand-in records how it was started instead of running Janus.
  await writeFile(join(dir, 'janus'), '#!/bin/sh\nprintf "%s\\n" "$@" > "$JANUS_CONFIG_DIR/argv"\n');
  await chmod(join(dir, 'janus'), 0o755);
});
test.after.each(() => rm(dir, { recursive: true, force: true }));

function render(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const config = join(dir, 'config');
  return new Promise((resolve) => {
    execFile('sh', [join(HERE, 'render-config.sh')], {
      env: { PATH: `${dir}:/usr/bin:/bin`, JANUS_TEMPLATE_DIR: HERE, JANUS_CONFIG_DIR: config, JANUS_LIB_DIR: LIB, ...env },
    }, (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }));
  });
}
const rendered = (name: string) => readFile(join(dir, 'config', name), 'utf8');

test('PUBLIC_IP becomes nat_1_1_mapping; secrets, ports and the loopback-free API are filled in; janus runs from that folder', async () => {
  const result = await render({ ...SECRETS, PUBLIC_IP: '203.0.113.7', JANUS_WS_IP: '0.0.0.0', JANUS_RTP_PORT_RANGE: '21000-21099' });
  assert.is(result.code, 0, result.stderr);
  const core = await rendered('janus.jcfg');
  assert.match(core, /^\s*nat_1_1_mapping = "203\.0\.113\.7"$/m);
  assert.match(core, /^\s*keep_private_host = false$/m);
  assert.match(core, /^\s*token_auth = true$/m);
  assert.match(core, `token_auth_secret = "${SECRETS.JANUS_TOKEN_SECRET}"`);
  assert.match(core, /^\s*rtp_port_range = "21000-21099"$/m);
  assert.not.match(core, /\$\{|^#\?/m, 'no placeholder or conditional line left');
  assert.not.match(core, /ice_enforce_list/, 'unset: the line is dropped');
  assert.match(await rendered('janus.plugin.videoroom.jcfg'), `admin_key = "${SECRETS.JANUS_ADMIN_KEY}"`);
  const transport = await rendered('janus.transport.websockets.jcfg');
  assert.match(transport, /^\s*ws_ip = "0\.0\.0\.0"$/m);
  assert.match(transport, /^\s*admin_ws = false$/m);
  for (const file of ['janus.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.websockets.jcfg']) {
    assert.is((await stat(join(dir, 'config', file))).mode & 0o777, 0o600, `${file} holds secrets`);
  }
  const config = join(dir, 'config');
  assert.equal((await rendered('argv')).trim().split('\n'), ['-C', `${config}/janus.jcfg`, '-F', config]);
});

test('without PUBLIC_IP (local runs) there is no nat_1_1_mapping', async () => {
  assert.is((await render(SECRETS)).code, 0);
  assert.not.match(await rendered('janus.jcfg'), /nat_1_1_mapping|keep_private_host/);
});

test('only the VideoRoom plugin and the WebSocket transport stay enabled, whatever Debian ships', async () => {
  assert.is((await render(SECRETS)).code, 0);
  const core = await rendered('janus.jcfg');
  const disabled = (section: string) => new Set(new RegExp(`${section}: \\{[^}]*?disable = "([^"]*)"`).exec(core)![1]!.split(','));
  const shipped = async (kind: string) => (existsSync(`${LIB}/${kind}`) ? (await readdir(`${LIB}/${kind}`)).filter((f) => f.endsWith('.so')) : []);
  for (const [section, kind, kept] of [['plugins', 'plugins', 'libjanus_videoroom.so'], ['transports', 'transports', 'libjanus_websockets.so'], ['events', 'events', ''], ['loggers', 'loggers', '']] as const) {
    const off = disabled(section);
    assert.not.ok(off.has(kept), `${kept} stays on`);
    for (const lib of await shipped(kind)) if (lib !== kept) assert.ok(off.has(lib), `${section}: ${lib} is disabled`);
  }
});

test('refuses to start without the two shared secrets', async () => {
  const result = await render({ JANUS_TOKEN_SECRET: SECRETS.JANUS_TOKEN_SECRET });
  assert.is.not(result.code, 0);
  assert.match(result.stderr, /JANUS_ADMIN_KEY/);
  assert.not.ok(existsSync(join(dir, 'config', 'argv')), 'janus was not started');
});

test.run();
