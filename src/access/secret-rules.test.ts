/**
 * Secrets a production server must not start with, and dev secrets.json values it must not
 * keep: the real process is started and its exit code and log lines are read.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../../testing/server-process.ts';
import { ConfigError, parseConfig } from '../config.ts';
import { secretWeakness } from './secret-strength.ts';

const STRONG = { STREAMER_API_TOKEN: '3f9c2a7e51b04d86c1e9a0f27b5d38e4', TOKEN_SECRET: 'b71e0c94d2a85f36e9c1047a2d5b8f03' };

const test = suite('secrets – production refuses weak ones');

test('16 × "a" as STREAMER_API_TOKEN: the real process exits naming the variable', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'so-secret-'));
  try {
    const started = startServerProcess({ ...STRONG, NODE_ENV: 'production', STREAMER_API_TOKEN: 'a'.repeat(16), DATA_DIR: dataDir, UPLOAD_DIR: join(dataDir, 'u') });
    const failure = await started.then(
      async (server) => {
        await server.stop();
        return 'started';
      },
      (error: Error) => error.message,
    );
    assert.match(failure, /exited with 2/);
    assert.match(failure, /Configuration error: STREAMER_API_TOKEN: too weak for NODE_ENV=production, it has only 1 different characters/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('every secret, every kind of weakness; development still takes short test values', () => {
  const weak = { ['a'.repeat(16)]: 'different characters', abcabcabcabcabcabcab: 'different characters', '012345012345012345012345': 'one short piece repeated', aaaaaaaaaaaaaaab: 'different characters' } as Record<string, string>;
  for (const name of ['STREAMER_API_TOKEN', 'TOKEN_SECRET', 'WEBRTC_TURN_SECRET'] as const) {
    for (const [value, why] of Object.entries(weak)) {
      const error = catchConfig({ ...STRONG, NODE_ENV: 'production', [name]: value });
      assert.ok(error?.message.startsWith(`${name}: too weak`), `${name}=${value}: ${error?.message}`);
      assert.match(error!.message.split('; it needs')[0]!, why);
      assert.is(catchConfig({ ...STRONG, NODE_ENV: 'development', [name]: value }), null, `development accepts ${value}`);
    }
  }
  assert.is(catchConfig({ ...STRONG, NODE_ENV: 'production', WEBRTC_TURN_SECRET: 'c0ffee42d15ea5e7b01dface5eed1234' }), null);
  // What openssl rand -hex 16 gives passes: it fails only with five or fewer different hex
  // digits in 32 (p ≈ 3e-13). Not -hex 8: 1 draw in 30,000 has that few in 16, and 2,000 draws
  // here failed this test in 6 % of runs.
  for (let i = 0; i < 2000; i++) assert.is(secretWeakness(Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')), null);
});

test('STREAMER_API_TOKEN equal to TOKEN_SECRET is refused', () => {
  for (const NODE_ENV of ['production', 'development']) {
    const error = catchConfig({ NODE_ENV, STREAMER_API_TOKEN: STRONG.TOKEN_SECRET, TOKEN_SECRET: STRONG.TOKEN_SECRET });
    assert.match(error?.message ?? '', /^TOKEN_SECRET: must differ from STREAMER_API_TOKEN/);
  }
});

test.run();

const dev = suite('secrets – dev secrets.json');

dev('short, malformed and equal saved values are regenerated with a log line; good ones are kept', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'so-devsecrets-'));
  try {
    const file = join(dataDir, 'secrets.json');
    const cases: [Record<string, unknown>, string[]][] = [
      [{ STREAMER_API_TOKEN: 'short', TOKEN_SECRET: 42 }, ['STREAMER_API_TOKEN', 'TOKEN_SECRET']],
      [{ STREAMER_API_TOKEN: STRONG.STREAMER_API_TOKEN, TOKEN_SECRET: 'has spaces in it, which no generated secret has' }, ['TOKEN_SECRET']],
      [{ STREAMER_API_TOKEN: STRONG.STREAMER_API_TOKEN, TOKEN_SECRET: STRONG.STREAMER_API_TOKEN }, ['TOKEN_SECRET']],
      [{ STREAMER_API_TOKEN: 'b'.repeat(40), TOKEN_SECRET: STRONG.TOKEN_SECRET }, ['STREAMER_API_TOKEN']],
    ];
    for (const [saved, regenerated] of cases) {
      await writeFile(file, JSON.stringify(saved));
      const server = await startServerProcess({ NODE_ENV: 'development', STREAMER_API_TOKEN: '', TOKEN_SECRET: '', DATA_DIR: dataDir, UPLOAD_DIR: join(dataDir, 'u') });
      await server.stop();
      const after = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
      for (const name of ['STREAMER_API_TOKEN', 'TOKEN_SECRET']) {
        const warned = server.output().split('\n').some((line) => line.includes('saved dev secret is unusable; generating a new one') && line.includes(`"name":"${name}"`));
        if (regenerated.includes(name)) {
          assert.ok(warned, `${name} from ${JSON.stringify(saved)}: log says so\n${server.output()}`);
          assert.is.not(after[name], saved[name]);
          assert.is(secretWeakness(after[name]!), null);
        } else {
          assert.not.ok(warned, `${name} is kept silently`);
          assert.is(after[name], saved[name]);
        }
      }
      assert.is.not(after.STREAMER_API_TOKEN, after.TOKEN_SECRET);
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

dev.run();

function catchConfig(env: Record<string, string>): ConfigError | null {
  try {
    parseConfig(env);
    return null;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}
