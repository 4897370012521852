/**
 * Random tokens and their encoding (secrets.ts): base64url agrees with Node's encoder at every
 * length, and tokens drawn from the pooled randomness are the asked length, URL-safe and never
 * repeat, across many pool refills.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { base64url, randomToken, secretsEqual, useSha256 } from './secrets.ts';

test('base64url matches Node’s base64url for 0 to 100 random bytes', () => {
  for (let length = 0; length <= 100; length++) {
    const bytes = new Uint8Array(randomBytes(length));
    assert.is(base64url(bytes), Buffer.from(bytes).toString('base64url'), `length ${length}`);
  }
  assert.is(base64url(new Uint8Array([0xfb, 0xff, 0xfe])), '-__-', 'the two URL-safe letters');
});

test('tokens are the asked length, URL-safe and unique over many pool refills (and past the pool size)', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const bytes = i % 2 === 0 ? 32 : 9;
    const token = randomToken(bytes);
    assert.is(token.length, Math.ceil((bytes * 4) / 3), `token ${i}`);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    seen.add(token);
  }
  assert.is(seen.size, 5000, 'no token repeats');
  const big = randomToken(10_000);
  assert.is(Buffer.from(big, 'base64url').length, 10_000);
  // A token is not all zero bytes (the pool is zeroed after use; a bug reusing it would show here).
  assert.not.match(randomToken(32), /^A+$/);
});

for (const [name, hash] of [
  ['Web Crypto (a promise)', undefined],
  ['a synchronous hash (the Node edge)', (text: string) => createHash('sha256').update(text).digest()],
] as const) {
  test(`secretsEqual with ${name}: right, wrong, prefix, longer, empty`, async () => {
    useSha256(hash);
    try {
      const secret = `s3cret-${name}`;
      assert.is(await secretsEqual(secret, secret), true);
      assert.is(await secretsEqual(`${secret}x`, secret), false, 'longer');
      assert.is(await secretsEqual(secret.slice(0, -1), secret), false, 'a prefix');
      assert.is(await secretsEqual('', secret), false, 'empty');
      assert.is(await secretsEqual(secret.replace('s', 'S'), secret), false, 'one letter differs');
      assert.is(await secretsEqual(secret, secret), true, 'again, with the expected digest kept');
    } finally {
      useSha256(undefined);
    }
  });
}

test.run();
