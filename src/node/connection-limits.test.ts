/**
 * What one client address may hold on the real Node server: open WebSockets are capped per
 * address (WS_MAX_SOCKETS_PER_ADDRESS, the address as TRUSTED_PROXIES defines it), and
 * connections that never finish their headers are closed by the server (slowloris) while
 * /health keeps answering.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { openSocket, refusedStatus, type TestSocket } from '../../testing/ws-client.ts';
import { CloseCode } from '../protocol/constants.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50)) if (await condition()) return;
  throw new Error(`timed out waiting for ${what}`);
}

const cap = suite('connection limits – sockets per client address');
const MAX = 5;
let server: TestServer;
let token: string;
cap.before(async () => {
  server = await startTestServer({ env: { WS_MAX_SOCKETS_PER_ADDRESS: String(MAX), TRUSTED_PROXIES: '127.0.0.1' } });
  token = await server.viewToken('main');
});
cap.after(() => server?.stop());

const overlayFrom = (address: string) => openSocket(server.wsUrl(`/ws/overlay?room=main&token=${token}`), { 'x-forwarded-for': address });

cap('the cap holds per address; another address is not affected; a closed socket frees its place', async () => {
  const held: TestSocket[] = [];
  for (let i = 0; i < MAX; i++) {
    held.push(await overlayFrom('10.0.0.1'));
    await held.at(-1)!.next('scene.full');
  }
  assert.is(await refusedStatus(server.wsUrl(`/ws/overlay?room=main&token=${token}`), { 'x-forwarded-for': '10.0.0.1' }), 429);
  const neighbour = await overlayFrom('10.0.0.2');
  await neighbour.next('scene.full');
  held.shift()!.close();
  let again: TestSocket | null = null;
  await until(async () => (again = await overlayFrom('10.0.0.1').catch(() => null)) !== null, 'a free place after a close');
  await again!.next('scene.full');
  for (const socket of [...held, neighbour, again!]) socket.close();
});

cap('a burst of 30 concurrent upgrades from one address: at most the cap stay open', async () => {
  const tries = await Promise.allSettled(Array.from({ length: 30 }, () => overlayFrom('10.0.0.3')));
  const opened = tries.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []));
  assert.ok(tries.every((t) => t.status === 'fulfilled' || (t.reason as { status?: number }).status === 429), 'refused ones see 429');
  // Sockets that raced past the check are closed at open with "try again later".
  const racedClosed = opened.map((s) => Promise.race([s.closed, sleep(1000).then(() => null)]));
  const outcomes = await Promise.all(racedClosed);
  const stayed = outcomes.filter((o) => o === null).length;
  assert.ok(stayed <= MAX, `${stayed} sockets stayed open`);
  assert.ok(stayed >= 1);
  assert.ok(outcomes.every((o) => o === null || o.code === CloseCode.tryAgainLater), JSON.stringify(outcomes));
  for (const socket of opened) socket.close();
});

cap('behind no trusted proxy, X-Forwarded-For does not buy more sockets', async () => {
  const direct = await startTestServer({ env: { WS_MAX_SOCKETS_PER_ADDRESS: '2' } });
  try {
    const t = await direct.viewToken('main');
    const url = direct.wsUrl(`/ws/overlay?room=main&token=${t}`);
    const a = await openSocket(url, { 'x-forwarded-for': '10.1.0.1' });
    const b = await openSocket(url, { 'x-forwarded-for': '10.1.0.2' });
    await Promise.all([a.next('scene.full'), b.next('scene.full')]);
    assert.is(await refusedStatus(url, { 'x-forwarded-for': '10.1.0.3' }), 429);
    a.close();
    b.close();
  } finally {
    await direct.stop();
  }
});

cap.run();

const slow = suite('connection limits – idle and slow-header connections');

slow('300 idle and slow-header sockets from one address are closed by the server; /health answers 200 meanwhile', async () => {
  const patient = await startTestServer({ env: { HTTP_HEADERS_TIMEOUT_SECONDS: '2' } });
  const sockets: { socket: Socket; closedByServer: boolean; answer: string }[] = [];
  let trickle: ReturnType<typeof setInterval> | undefined;
  try {
    for (let i = 0; i < 300; i++) {
      const socket = connect(patient.port, '127.0.0.1');
      const entry = { socket, closedByServer: false, answer: '' };
      socket.on('error', () => {});
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (entry.answer += chunk));
      socket.on('end', () => (entry.closedByServer = true));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      // Half say nothing at all; half start a request and never finish its headers.
      if (i % 2) socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
      sockets.push(entry);
    }
    trickle = setInterval(() => {
      for (const [i, { socket }] of sockets.entries()) if (i % 2 && !socket.destroyed) socket.write(`X-Slow-${i}: still here\r\n`);
    }, 300);
    const health = await fetch(`${patient.url}/health`);
    assert.is(health.status, 200);
    await until(() => sockets.every((s) => s.closedByServer), 'the server to close every slow socket', 30_000);
    assert.ok(sockets.every((s) => s.answer === '' || s.answer.startsWith('HTTP/1.1 408')), 'closed with 408 Request Timeout, if anything');
    assert.is((await fetch(`${patient.url}/health`)).status, 200);
  } finally {
    clearInterval(trickle);
    for (const { socket } of sockets) socket.destroy();
    await patient.stop();
  }
});

slow.run();
