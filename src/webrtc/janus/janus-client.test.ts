/**
 * The server's Janus client against Debian's real janus (testing/janus.ts): sessions with
 * core tokens, room creation with the admin key, derived secrets, the per-role request
 * whitelist, and recovery when Janus is killed and started again.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { startJanus, type Janus } from '../../../testing/janus.ts';
import { waitFor } from '../../../testing/browser.ts';
import { createLogger } from '../../logger.ts';
import { JanusClient, JanusError, type WebSocketConstructor } from './janus-client.ts';
import { JanusRooms } from './janus-rooms.ts';

const log = createLogger('silent');
const DERIVE = 'token-secret-for-janus-tests-0123456789';
let janus: Janus;
const clients: JanusClient[] = [];

function client(tokenSecret = janus.tokenSecret): JanusClient {
  const c = new JanusClient({ url: janus.url, tokenSecret, log, WebSocket: WebSocket as unknown as WebSocketConstructor, requestTimeoutMs: 3000 });
  clients.push(c);
  c.start();
  return c;
}

const rooms = (c: JanusClient, adminKey = janus.adminKey) =>
  new JanusRooms(c, { adminKey, tokenSecret: janus.tokenSecret, derivationSecret: DERIVE, bitrate: 1_000_000, firFreq: 10 }, log);

const test = suite('janus client (real janus)');

test.before(async () => {
  janus = await startJanus();
});

test.after(async () => {
  for (const c of clients) c.close();
  await janus?.stop();
});

test('a session opens with a signed core token; a wrong token secret gets none', async () => {
  const good = client();
  await waitFor('a janus session', () => good.ready, 5000);
  assert.is(good.generation, 1);

  const forged = client('not-the-token-secret-0123456789');
  await waitFor('the refusal', () => forged.lastError, 5000);
  assert.is(forged.ready, false);
  assert.match(forged.lastError!, /token|Unauthorized/i);
  forged.close();
});

test('rooms: created with the admin key, private, joinable only with the derived pin and room token', async () => {
  const c = client();
  await waitFor('a janus session', () => c.ready, 5000);
  const owned = rooms(c);
  await owned.ensure('alpha');
  // A second create (our server restarted) finds the room and succeeds.
  await rooms(c).ensure('alpha');
  assert.equal(await owned.participants('alpha'), []);

  // Without the admin key Janus refuses to create rooms.
  const keyless = rooms(c, 'wrong-admin-key');
  try {
    await keyless.ensure('beta');
    assert.unreachable('created a room with a wrong admin key');
  } catch (error) {
    assert.instance(error, JanusError);
  }

  // A subscriber handle joining without the pin is refused; with our join fields it is let in
  // (and then refused only because there is no such feed yet).
  const handle = await c.attach('subscriber');
  try {
    await handle.message({ request: 'join', ptype: 'subscriber', room: JanusRooms.janusId('alpha'), streams: [{ feed: 'nobody' }] });
    assert.unreachable('joined without the pin');
  } catch (error) {
    assert.instance(error, JanusError);
    assert.ok([429, 433].includes((error as JanusError).code), String(error));
  }
  try {
    await handle.message({ request: 'join', ptype: 'subscriber', ...(await owned.joinFields('alpha')), streams: [{ feed: 'nobody' }] });
    assert.unreachable('subscribed to a missing feed');
  } catch (error) {
    assert.instance(error, JanusError);
    assert.is((error as JanusError).code, 428, String(error));
  }
  await handle.detach();

  await owned.destroy('alpha');
  // Destroying again (nothing left) is quiet.
  await owned.destroy('alpha');
});

test('the whitelist: a subscriber handle cannot publish or create rooms, whatever it is asked', async () => {
  const c = client();
  await waitFor('a janus session', () => c.ready, 5000);
  const handle = await c.attach('subscriber');
  for (const request of ['create', 'destroy', 'publish', 'joinandconfigure', 'rtp_forward', 'kick']) {
    try {
      await handle.message({ request });
      assert.unreachable(`sent ${request}`);
    } catch (error) {
      assert.match(String(error), /may not send/);
    }
  }
  await handle.detach();
});

test('Janus killed and started again: the client reconnects, a new generation, rooms come back', async () => {
  const c = client();
  await waitFor('a janus session', () => c.ready, 5000);
  const owned = rooms(c);
  await owned.ensure('gamma');
  const lost: number[] = [];
  const up: number[] = [];
  c.onLost((g) => lost.push(g));
  c.onReady((g) => up.push(g));
  const before = c.generation;

  await janus.kill();
  await waitFor('the client noticing', () => !c.ready, 5000);
  try {
    await owned.participants('gamma');
    assert.unreachable('a request succeeded without Janus');
  } catch (error) {
    assert.match(String(error), /not reachable/);
  }
  await janus.restart();
  await waitFor('a new session', () => c.ready, 15_000, 100);
  assert.ok(c.generation > before);
  assert.equal(lost, [before]);
  assert.equal(up, [c.generation]);
  // The room is gone with the old Janus; ensure() creates it again in the new generation.
  await owned.ensure('gamma');
  assert.equal(await owned.participants('gamma'), []);
});

test.run();
