import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SignalingRoom, MESSAGE_BURST } from './signaling-room.ts';
import { SILENT_SOCKET_MS } from '../src/protocol/constants.ts';
import { Metrics } from '../src/metrics/metrics.ts';
import { createLogger } from '../src/logger.ts';
import { CloseCode } from '../src/protocol/messages.ts';
import { MAX_SDP_CHARS, MAX_VIEWERS_PER_ROOM, MAX_VIEWERS_PER_TOKEN, QUIET_VIEWER_MS, type SignalingServerMessage } from '../src/protocol/signaling.ts';
import { FakeConnection } from '../testing/fake-connection.ts';

type Of<T extends SignalingServerMessage['type']> = Extract<SignalingServerMessage, { type: T }>;
const received = (conn: FakeConnection) => conn.sent as unknown as SignalingServerMessage[];
const of = <T extends SignalingServerMessage['type']>(conn: FakeConnection, type: T) => received(conn).filter((m): m is Of<T> => m.type === type);
const last = (conn: FakeConnection) => received(conn).at(-1);

function makeRoom(perAddress?: number) {
  const metrics = new Metrics();
  const clock = { now: 1_000_000 };
  const viewerLimits = perAddress === undefined ? {} : { perAddress };
  return { room: new SignalingRoom('cam', { metrics, log: createLogger('silent'), viewerLimits, now: () => clock.now }), metrics, clock };
}
const send = (room: SignalingRoom, conn: FakeConnection, message: object | string) =>
  room.receive(conn, typeof message === 'string' ? message : JSON.stringify(message));
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n';

const addressing = suite('signaling room – addressing');

addressing('viewers get ids; the publisher hears them join and leave and sees those already waiting', () => {
  const { room } = makeRoom();
  const early = new FakeConnection('viewer');
  room.connect(early);
  assert.equal(last(early), { type: 'room.state', room: 'cam', publisher: false, publisher_session: null, viewer_id: early.id });

  const publisher = new FakeConnection('publisher');
  room.connect(publisher);
  assert.equal(of(publisher, 'room.state')[0]?.viewers, [early.id]);
  assert.equal(last(early), { type: 'room.state', room: 'cam', publisher: true, publisher_session: publisher.id });

  const late = new FakeConnection('viewer');
  room.connect(late);
  assert.equal(last(publisher), { type: 'viewer.joined', viewer_id: late.id });
  room.disconnect(late);
  assert.equal(last(publisher), { type: 'viewer.left', viewer_id: late.id });
});

addressing('an offer with `to` reaches only that viewer; without `to` every viewer', () => {
  const { room } = makeRoom();
  const publisher = new FakeConnection('publisher');
  const a = new FakeConnection('viewer');
  const b = new FakeConnection('viewer');
  room.connect(publisher);
  room.connect(a);
  room.connect(b);
  send(room, publisher, { type: 'offer', to: a.id, sdp: SDP });
  assert.equal(of(a, 'offer'), [{ type: 'offer', sdp: SDP }]);
  assert.is(of(b, 'offer').length, 0);
  send(room, publisher, { type: 'ice-candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
  assert.is(of(a, 'ice-candidate').length, 1);
  assert.is(of(b, 'ice-candidate').length, 1);
});

addressing('viewer messages reach the publisher with `from`', () => {
  const { room, metrics } = makeRoom();
  const publisher = new FakeConnection('publisher');
  const viewer = new FakeConnection('viewer');
  room.connect(publisher);
  room.connect(viewer);
  send(room, viewer, { type: 'answer', sdp: SDP, from: 'someone-else' });
  assert.equal(last(publisher), { type: 'answer', sdp: SDP, from: viewer.id }, 'the server sets from; a forged one is overwritten');
  send(room, viewer, { type: 'ice-candidate', candidate: null });
  assert.equal(last(publisher), { type: 'ice-candidate', candidate: null, from: viewer.id });
  send(room, viewer, { type: 'viewer.request-keyframe' });
  assert.equal(last(publisher), { type: 'viewer.request-keyframe', from: viewer.id });
  send(room, viewer, { type: 'viewer.request-restart' });
  assert.equal(last(publisher), { type: 'viewer.request-restart', from: viewer.id });
  assert.is(metrics.webrtcSignalingMessages, 4);
});

addressing('a new publisher replaces the old one: publisher.replaced + 1012, viewers told to renegotiate', () => {
  const { room } = makeRoom();
  const first = new FakeConnection('publisher');
  const viewer = new FakeConnection('viewer');
  room.connect(first);
  room.connect(viewer);
  const second = new FakeConnection('publisher');
  room.connect(second);
  assert.is(last(first)?.type, 'publisher.replaced');
  assert.equal(first.closed, { code: CloseCode.publisherReplaced, reason: 'publisher replaced' });
  assert.equal(of(second, 'room.state')[0]?.viewers, [viewer.id]);
  const states = of(viewer, 'room.state');
  assert.is(states.at(-1)?.publisher_session, second.id, 'viewers see the new session');
  // The old socket's close arrives later; it must not announce "no publisher".
  room.disconnect(first);
  assert.is(of(viewer, 'room.state').length, states.length);
  send(room, first, { type: 'offer', sdp: SDP });
  assert.is(of(viewer, 'offer').length, 0, 'the replaced publisher is not heard any more');
  send(room, second, { type: 'offer', sdp: SDP });
  assert.is(of(viewer, 'offer').length, 1);
});

addressing('the publisher leaving tells viewers; a full room refuses the next viewer', () => {
  const { room } = makeRoom();
  const publisher = new FakeConnection('publisher');
  const viewer = new FakeConnection('viewer');
  room.connect(publisher);
  room.connect(viewer);
  room.disconnect(publisher);
  assert.equal(last(viewer), { type: 'room.state', room: 'cam', publisher: false, publisher_session: null });
  for (let i = 1; i < MAX_VIEWERS_PER_ROOM; i++) room.connect(new FakeConnection('viewer'));
  const extra = new FakeConnection('viewer');
  room.connect(extra);
  assert.is(extra.closed?.code, CloseCode.tryAgainLater);
  assert.is(room.viewerCount, MAX_VIEWERS_PER_ROOM);
});

const slots = suite('signaling room – viewer slots');

slots(`one grant holds ${MAX_VIEWERS_PER_TOKEN} viewers; the next is refused while they talk and takes the quietest slot once one is silent`, () => {
  const { room, clock } = makeRoom();
  const obs = (n: number) => ({ grantId: 'view:leaked', address: `10.0.0.${n}` });
  const held = Array.from({ length: MAX_VIEWERS_PER_TOKEN }, () => new FakeConnection('viewer'));
  held.forEach((conn, i) => room.connect(conn, obs(i)));
  const early = new FakeConnection('viewer');
  room.connect(early, obs(9));
  assert.is(early.closed?.code, CloseCode.tryAgainLater);
  assert.match(early.closed!.reason, /token already holds 3/);

  clock.now += QUIET_VIEWER_MS;
  for (const conn of held.slice(1)) send(room, conn, { type: 'ping', client_ts: 1 });
  const late = new FakeConnection('viewer');
  room.connect(late, obs(10));
  assert.is(late.closed, null, 'admitted');
  assert.is(held[0]!.closed?.code, CloseCode.tryAgainLater, 'the silent one gave up its slot');
  assert.ok(held.slice(1).every((conn) => conn.closed === null), 'those that pinged kept theirs');
  assert.is(room.viewerCount, MAX_VIEWERS_PER_TOKEN);
});

slots('a full room refuses a newcomer while every viewer talks, and evicts the quietest silent one when there is one', () => {
  const { room, clock } = makeRoom();
  const viewers = Array.from({ length: MAX_VIEWERS_PER_ROOM }, () => new FakeConnection('viewer'));
  viewers.forEach((conn, i) => room.connect(conn, { grantId: `mint:${i}`, address: `10.1.0.${i}` }));
  const refused = new FakeConnection('viewer');
  room.connect(refused, { grantId: 'mint:real', address: '10.2.0.1' });
  assert.match(refused.closed?.reason ?? '', /room is full/);

  clock.now += 10_000;
  send(room, viewers[7]!, { type: 'ping' });
  clock.now += QUIET_VIEWER_MS;
  for (const conn of viewers) if (conn !== viewers[3] && conn !== viewers[7]) send(room, conn, { type: 'ping' });
  const real = new FakeConnection('viewer');
  room.connect(real, { grantId: 'mint:real', address: '10.2.0.1' });
  assert.is(real.closed, null);
  assert.is(viewers[3]!.closed?.code, CloseCode.tryAgainLater, 'the quietest went first');
  assert.is(viewers[7]!.closed, null, 'quiet too, but it spoke more recently');
  assert.is(room.viewerCount, MAX_VIEWERS_PER_ROOM);
});

slots('one address holds its limit; other addresses are not affected', () => {
  const { room } = makeRoom(2);
  const nat = (grant: string) => ({ grantId: grant, address: '192.0.2.1' });
  const [a, b, c] = [new FakeConnection('viewer'), new FakeConnection('viewer'), new FakeConnection('viewer')];
  room.connect(a, nat('mint:a'));
  room.connect(b, nat('mint:b'));
  room.connect(c, nat('mint:c'));
  assert.match(c.closed?.reason ?? '', /address already holds 2/);
  const elsewhere = new FakeConnection('viewer');
  room.connect(elsewhere, { grantId: 'mint:c', address: '198.51.100.1' });
  assert.is(elsewhere.closed, null);
  assert.is(room.viewerCount, 3);
});

const bad = suite('signaling room – bad input');

bad('each bad message gets a clear error; the room and the other peers carry on', () => {
  const { room } = makeRoom();
  const publisher = new FakeConnection('publisher');
  const viewer = new FakeConnection('viewer');
  const other = new FakeConnection('viewer');
  room.connect(publisher);
  room.connect(viewer);
  room.connect(other);
  const before = { viewer: received(viewer).length, other: received(other).length };

  const cases: [FakeConnection, object | string | null, string, RegExp][] = [
    [publisher, '{nope', 'bad_json', /JSON/],
    [publisher, { type: 'dance' }, 'unknown_type', /unknown message type "dance" for a publisher/],
    [publisher, { sdp: SDP }, 'unknown_type', /null/],
    [publisher, { type: 'answer', sdp: SDP }, 'forbidden', /publisher may not send "answer"/],
    [viewer, { type: 'offer', sdp: SDP }, 'forbidden', /viewer may not send "offer"/],
    [publisher, { type: 'offer', sdp: 'x'.repeat(MAX_SDP_CHARS + 1) }, 'too_large', /sdp is longer than 65536/],
    [publisher, { type: 'offer', sdp: 'x'.repeat(200_000) }, 'too_large', /limit is/],
    [publisher, { type: 'ice-candidate', candidate: { candidate: 'c'.repeat(2000) } }, 'too_large', /candidate is longer than 1024/],
    [publisher, { type: 'offer', to: 'no-such-viewer', sdp: SDP }, 'no_such_viewer', /no viewer "no-such-viewer"/],
    [publisher, { type: 'offer', to: '../../etc', sdp: SDP }, 'bad_message', /^to: /],
    [publisher, { type: 'publisher.metrics', viewers: [{ viewer_id: viewer.id, fps: 1e9 }] }, 'bad_message', /fps must be at most 1000/],
    [viewer, null, 'bad_message', /binary/],
  ];
  for (const [conn, message, code, text] of cases) {
    room.receive(conn, message === null ? null : typeof message === 'string' ? message : JSON.stringify(message));
    const reply = last(conn) as Of<'error'>;
    assert.is(reply?.type, 'error', `reply to ${JSON.stringify(message)?.slice(0, 80)}`);
    assert.is(reply.code, code, `${reply.code}: ${reply.message}`);
    assert.match(reply.message, text);
  }
  assert.is(received(other).length, before.other, 'the uninvolved viewer heard nothing');
  assert.is(of(viewer, 'offer').length, 0);
  assert.is(publisher.closed, null);
  assert.is(viewer.closed, null);
  // Still working afterwards.
  send(room, publisher, { type: 'offer', to: viewer.id, sdp: SDP });
  assert.is(of(viewer, 'offer').length, 1);
});

bad('a viewer talking to an empty room is told there is no publisher', () => {
  const { room } = makeRoom();
  const viewer = new FakeConnection('viewer');
  room.connect(viewer);
  send(room, viewer, { type: 'answer', sdp: SDP });
  assert.equal([(last(viewer) as Of<'error'>).code], ['no_publisher']);
});

bad('a flood past the burst is refused once per window, then dropped', () => {
  const { room } = makeRoom();
  const publisher = new FakeConnection('publisher');
  room.connect(publisher);
  for (let i = 0; i < MESSAGE_BURST + 50; i++) send(room, publisher, { type: 'ping' });
  assert.is(of(publisher, 'pong').length, MESSAGE_BURST);
  assert.equal(of(publisher, 'error').map((e) => e.code), ['rate_limited']);
});

const stats = suite('signaling room – stats and liveness');

stats('per-viewer metrics from the publisher and the viewer itself; ping/pong', () => {
  const { room } = makeRoom();
  const publisher = new FakeConnection('publisher');
  const a = new FakeConnection('viewer');
  const b = new FakeConnection('viewer');
  room.connect(publisher);
  room.connect(a);
  room.connect(b);
  send(room, publisher, {
    type: 'publisher.metrics',
    viewers: [
      { viewer_id: a.id, state: 'connected', bitrate_kbps: 2400, fps: 30, rtt_ms: 12, packet_loss_pct: 0.5, candidate_type: 'host' },
      { viewer_id: 'gone-already', state: 'connected' },
    ],
  });
  send(room, b, { type: 'viewer.state', state: 'connecting', candidate_type: 'relay' });
  assert.equal(of(a, 'publisher.metrics')[0]?.metrics, { state: 'connected', bitrate_kbps: 2400, fps: 30, rtt_ms: 12, packet_loss_pct: 0.5, candidate_type: 'host' });
  assert.is(last(publisher)?.type, 'viewer.state');
  const snap = room.snapshot();
  assert.is(snap.publisher.online, true);
  const byId = new Map(snap.viewers.map((v) => [v.viewer_id, v]));
  assert.is(byId.get(a.id)?.state, 'connected');
  assert.is(byId.get(a.id)?.metrics?.bitrate_kbps, 2400);
  assert.is(byId.get(a.id)?.candidate_type, 'host');
  assert.is(byId.get(b.id)?.state, 'connecting');
  assert.is(byId.get(b.id)?.candidate_type, 'relay');
  send(room, a, { type: 'ping', client_ts: 5 });
  assert.is((last(a) as Of<'pong'>).client_ts, 5);
});

stats('silent sockets are closed by the sweep; an empty room becomes idle', () => {
  const { room, clock } = makeRoom();
  const publisher = new FakeConnection('publisher');
  const viewer = new FakeConnection('viewer');
  room.connect(publisher);
  room.connect(viewer);
  room.sweep(clock.now + SILENT_SOCKET_MS + 1);
  assert.is(publisher.closed?.code, CloseCode.idle);
  assert.is(viewer.closed?.code, CloseCode.idle);
  assert.is(room.connections.size, 0);
  assert.ok(room.isIdle(Date.now() + 120_000, 60_000));
});

addressing.run();
slots.run();
bad.run();
stats.run();
