/**
 * The OBS browser source: shows the room's scene and reports which version it has drawn.
 * URL: /overlay?room=R&token=T (room defaults to `main`).
 */
import { render } from 'preact';
import type { OverlayClientMessage, ServerMessage } from '../../src/protocol/messages.ts';
import { SceneView } from '../shared/renderer.tsx';
import { SceneTracker } from '../shared/scene-tracker.ts';
import { createSocket } from '../shared/socket.ts';
import { DEFAULT_ROOM, PROTOCOL_PARAM, PROTOCOL_VERSION } from '../../src/protocol/constants.ts';
import { serverClock } from '../shared/server-clock.ts';
import { fitStage } from './stage.ts';
import { renderWebrtc, startWebrtcPreview } from './webrtc-item.tsx';

const stage = document.getElementById('app')!;
const params = new URLSearchParams(location.search);
const tracker = new SceneTracker();

type TtsModule = typeof import('./tts-player.ts');
type TtsPlayer = ReturnType<TtsModule['createTtsPlayer']>;
let tts: Promise<TtsPlayer> | null = null;
/** Loaded on the first TTS message (a computed specifier: esbuild leaves it to the browser). */
const speech = () =>
  (tts ??= (import(new URL('/assets/overlay-tts.js', location.href).href) as Promise<TtsModule>).then(
    // Reports go out on the overlay socket like overlay.applied; the room relays them to panels.
    (mod) => mod.createTtsPlayer((report) => socket.send(report)),
    (error: unknown) => {
      tts = null;
      throw error;
    },
  ));
/** A few quick pings after connecting: playback and timers need the server clock right away. */
const CLOCK_PINGS_MS = [0, 250, 1000, 3000];
const reportEnded = (id: string, at: number, duration: number) => socket.send({ type: 'media.ended', id, at, duration });
/** Connections this page has had; the streamer's health view shows the reconnects. */
let opened = 0;

function socketUrl(): string {
  const url = new URL('/ws/overlay', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('room', params.get('room') || DEFAULT_ROOM);
  url.searchParams.set(PROTOCOL_PARAM, String(PROTOCOL_VERSION));
  const token = params.get('token');
  if (token) url.searchParams.set('token', token);
  // A reconnect asks only for what it missed instead of the whole scene.
  if (tracker.hasScene) url.searchParams.set('since_version', String(tracker.version));
  if (opened > 0) url.searchParams.set('reconnects', String(opened));
  return url.href;
}

const socket = createSocket<OverlayClientMessage>({
  url: socketUrl,
  onStatus(status) {
    if (status === 'stopped') console.warn('overlay: the server revoked this link; it will not reconnect');
  },
  onOpen() {
    opened++;
    // Also as a message, for a server that ignores the query: it answers with what we missed
    // (patches or a scene.full); anything sent twice is a duplicate version and is ignored.
    if (tracker.hasScene) socket.send(tracker.resync());
    for (const ms of CLOCK_PINGS_MS) setTimeout(() => socket.send({ type: 'ping', client_ts: Date.now() }), ms);
  },
  onMessage(msg: ServerMessage) {
    switch (msg.type) {
      case 'scene.full':
      case 'scene.patch': {
        serverClock.fromMessage(msg.server_ts);
        const result = tracker.accept(msg);
        if (result === 'resync') socket.send(tracker.resync());
        if (result !== 'applied') return;
        // render() is synchronous: the DOM shows this version before we report it.
        render(<SceneView items={tracker.items} renderWebrtc={renderWebrtc} motion onMediaEnded={reportEnded} />, stage);
        socket.send({ type: 'overlay.applied', version: tracker.version, client_ts: Date.now(), server_ts: msg.server_ts });
        return;
      }
      case 'pong':
        serverClock.fromPong(msg.server_ts, msg.client_ts);
        return;
      case 'tts.speak':
      case 'tts.skip':
      case 'tts.clear':
        // Handlers run in the order they were added, so the queue keeps the server's order.
        speech().then(
          (player) => player.handle(msg),
          (error: unknown) => console.warn('overlay: speech player failed to load', error),
        );
        return;
      default:
        return;
    }
  },
});

fitStage(stage);
startWebrtcPreview();

/** Read-only state for tests and debugging in the browser console. */
Object.defineProperty(window, '__overlay', {
  value: Object.freeze({
    get version() {
      return tracker.version;
    },
    get items() {
      return tracker.items.length;
    },
    get connected() {
      return socket.connected;
    },
    get clockOffset() {
      return serverClock.offset;
    },
  }),
});
