/**
 * The seam between SignalingRoom and a media backend, with a recording backend in place of
 * Janus (the Janus backend itself runs end to end in client/shared/webrtc-sfu.test.ts). The
 * room keeps schemas, roles and rate limits; media messages go to the backend and only there.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SignalingRoom } from './signaling-room.ts';
import type { MediaBackend, MediaPort } from './media-backend.ts';
import type { Connection } from './connection.ts';
import { Metrics } from '../src/metrics/metrics.ts';
import { createLogger } from '../src/logger.ts';
import type { SignalingServerMessage } from '../src/protocol/signaling.ts';
import { FakeConnection } from '../testing/fake-connection.ts';

const received = (conn: FakeConnection) => conn.sent as unknown as SignalingServerMessage[];
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n';

class RecordingBackend implements MediaBackend {
  readonly kind = 'sfu' as const;
  epoch = ':e0';
  calls: string[] = [];
  port!: MediaPort;
  disposed = false;
  publisherJoined = (c: Connection) => void this.calls.push(`publisherJoined ${c.id}`);
  publisherLeft = (c: Connection) => void this.calls.push(`publisherLeft ${c.id}`);
  viewerJoined = (c: Connection) => void this.calls.push(`viewerJoined ${c.id}`);
  viewerLeft = (c: Connection) => void this.calls.push(`viewerLeft ${c.id}`);
  fromPublisher = (_c: Connection, m: { type: string }) => void this.calls.push(`publisher ${m.type}`);
  fromViewer = (_c: Connection, m: { type: string }) => void this.calls.push(`viewer ${m.type}`);
  snapshot = () => ({ kind: 'sfu', note: 'recorded' });
  viewerSnapshot = (id: string) => ({ id });
  dispose = () => void (this.disposed = true);
}

function makeRoom() {
  const backend = new RecordingBackend();
  const room = new SignalingRoom('cam', {
    metrics: new Metrics(),
    log: createLogger('silent'),
    media: (_id, port) => ((backend.port = port), backend),
  });
  const send = (conn: FakeConnection, message: object) => room.receive(conn, JSON.stringify(message));
  return { room, backend, send };
}

const seam = suite('signaling room – media backend seam');

seam('the publisher is told media: sfu, sees no viewer list nor joins; the backend hears both roles', () => {
  const { room, backend } = makeRoom();
  const early = new FakeConnection('viewer');
  room.connect(early);
  const publisher = new FakeConnection('publisher');
  room.connect(publisher);
  const state = received(publisher).find((m) => m.type === 'room.state') as { media?: string; viewers?: string[] };
  assert.is(state.media, 'sfu');
  assert.is(state.viewers, undefined, 'no per-viewer connections to make');
  const late = new FakeConnection('viewer');
  room.connect(late);
  room.disconnect(late);
  assert.not.ok(received(publisher).some((m) => m.type === 'viewer.joined' || m.type === 'viewer.left'));
  assert.equal(backend.calls, [`viewerJoined ${early.id}`, `publisherJoined ${publisher.id}`, `viewerJoined ${late.id}`, `viewerLeft ${late.id}`]);
  // Viewers' publisher_session carries the backend's epoch: a new epoch means "drop your connection".
  assert.is((received(early).at(-1) as { publisher_session: string }).publisher_session, `${publisher.id}:e0`);
  backend.epoch = ':e1';
  backend.port.renewViewers();
  assert.is((received(early).at(-1) as { publisher_session: string }).publisher_session, `${publisher.id}:e1`);
});

seam('media messages go to the backend only; pings, stats and role checks stay in the room', () => {
  const { room, backend, send } = makeRoom();
  const publisher = new FakeConnection('publisher');
  const viewer = new FakeConnection('viewer');
  room.connect(publisher);
  room.connect(viewer);
  backend.calls = [];
  const before = { publisher: publisher.sent.length, viewer: viewer.sent.length };

  send(publisher, { type: 'offer', to: 'sfu', sdp: SDP });
  send(publisher, { type: 'ice-candidate', candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.2 5000 typ host' } });
  send(viewer, { type: 'answer', sdp: SDP });
  send(viewer, { type: 'ice-candidate', candidate: null });
  send(viewer, { type: 'viewer.request-keyframe' });
  send(viewer, { type: 'viewer.request-restart', fresh: true });
  assert.equal(backend.calls, ['publisher offer', 'publisher ice-candidate', 'viewer answer', 'viewer ice-candidate', 'viewer viewer.request-keyframe', 'viewer viewer.request-restart']);
  assert.is(viewer.sent.length, before.viewer, 'nothing relayed to the viewer');
  assert.is(publisher.sent.length, before.publisher, 'nothing relayed to the publisher');

  // A viewer's attempt at the publisher's messages is refused by the room; the backend never sees it.
  send(viewer, { type: 'offer', sdp: SDP });
  assert.is((received(viewer).at(-1) as { code: string }).code, 'forbidden');
  assert.is(backend.calls.length, 6);

  send(viewer, { type: 'ping', client_ts: 1 });
  assert.is(received(viewer).at(-1)?.type, 'pong');
  const stats = room.snapshot();
  assert.equal(stats.media, { kind: 'sfu', note: 'recorded' });
  assert.equal((stats.viewers[0] as { sfu?: unknown }).sfu, { id: viewer.id });

  room.disconnect(publisher);
  assert.equal(backend.calls.at(-1), `publisherLeft ${publisher.id}`);
  room.dispose();
  assert.ok(backend.disposed);
});

seam('without a backend the room is peer to peer: media kind p2p in stats, offers relayed', () => {
  const room = new SignalingRoom('cam', { metrics: new Metrics(), log: createLogger('silent') });
  const publisher = new FakeConnection('publisher');
  const viewer = new FakeConnection('viewer');
  room.connect(viewer);
  room.connect(publisher);
  room.receive(publisher, JSON.stringify({ type: 'offer', to: viewer.id, sdp: SDP }));
  assert.equal(received(viewer).at(-1), { type: 'offer', sdp: SDP });
  assert.equal(room.snapshot().media, { kind: 'p2p' });
});

seam.run();
