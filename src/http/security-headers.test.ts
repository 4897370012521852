/**
 * The Node edge sets the security headers itself (not through the middleware): every kind
 * of answer from the real server must still carry each of them, with the middleware's values.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer } from '../../testing/test-server.ts';
import { apiSecurityHeaderList, securityHeaderList } from './security-headers.ts';

test('page and 404 answers carry every security header; JSON answers (/api/*, /health, errors too) the stricter API list', async () => {
  const server = await startTestServer();
  try {
    const expected = await securityHeaderList(server.config);
    assert.ok(expected.some(([name]) => name === 'content-security-policy'), 'the list includes the CSP');
    assert.ok(expected.length >= 8, `${expected.length} headers`);
    for (const path of ['/no-such-route', '/', '/overlay']) {
      const res = await fetch(server.url + path);
      await res.arrayBuffer();
      for (const [name, value] of expected) assert.is(res.headers.get(name), value, `${path} ${res.status}: ${name}`);
    }
    const api = apiSecurityHeaderList(expected);
    assert.equal(
      api.map(([name]) => name).sort(),
      ['content-security-policy', 'referrer-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options'],
    );
    for (const path of ['/health', '/health?x=1', '/api/moderator-keys', '/api/scene', '/api/no-such-route']) {
      const res = await fetch(server.url + path);
      await res.arrayBuffer();
      for (const [name, value] of api) assert.is(res.headers.get(name), value, `${path} ${res.status}: ${name}`);
      assert.is(res.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'", `${path}: a data answer loads nothing`);
      assert.is(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.is(res.headers.get('x-xss-protection'), null, `${path}: document-only headers left off`);
    }
  } finally {
    await server.stop();
  }
});

test.run();
