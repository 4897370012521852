/**
 * The Node edge sets the security headers itself (not through the middleware): every kind
 * of answer from the real server must still carry each of them, with the middleware's values.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer } from '../../testing/test-server.ts';
import { securityHeaderList } from './security-headers.ts';

test('JSON, 404, 401 and page answers of the real server carry every security header', async () => {
  const server = await startTestServer();
  try {
    const expected = await securityHeaderList(server.config);
    assert.ok(expected.some(([name]) => name === 'content-security-policy'), 'the list includes the CSP');
    assert.ok(expected.length >= 8, `${expected.length} headers`);
    for (const path of ['/health', '/no-such-route', '/api/moderator-keys', '/api/scene', '/']) {
      const res = await fetch(server.url + path);
      await res.arrayBuffer();
      for (const [name, value] of expected) assert.is(res.headers.get(name), value, `${path} ${res.status}: ${name}`);
    }
  } finally {
    await server.stop();
  }
});

test.run();
