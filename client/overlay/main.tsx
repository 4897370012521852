/**
 * The OBS browser source: shows the room's scene and reports which version it has drawn.
 * URL: /overlay?room=R&token=T (room defaults to `main`).
 */
import { render } from 'preact';
import type { OverlayClientMessage, ServerMessage } from '../../src/protocol/messages.ts';
import { SceneView } from '../shared/renderer.tsx';
import { SceneTracker } from '../shared/scene-state.ts';
import { createSocket } from '../shared/socket.ts';
import { DEFAULT_ROOM, PROTOCOL_PARAM, PROTOCOL_VERSION } from '../../src/protocol/constants.ts';
import { fitStage } from './stage.ts';
import { createTtsPlayer } from './tts-player.ts';
import { renderWebrtc, startWebrtcPreview } from './webrtc-item.tsx';

const stage = document.getElementById('app')!;
const params = new URLSearchParams(location.search);
const tracker = new SceneTracker();
// Reports go out on the overlay socket like overlay.applied; the room relays them to panels.
const tts = createTtsPlayer((report) => socket.send(report));
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
  },
  onMessage(msg: ServerMessage) {
    switch (msg.type) {
      case 'scene.full':
      case 'scene.patch': {
        const result = tracker.accept(msg);
        if (result === 'resync') socket.send(tracker.resync());
        if (result !== 'applied') return;
        // render() is synchronous: the DOM shows this version before we report it.
        render(<SceneView items={tracker.items} renderWebrtc={renderWebrtc} />, stage);
        socket.send({ type: 'overlay.applied', version: tracker.version, client_ts: Date.now(), server_ts: msg.server_ts });
        return;
      }
      case 'tts.speak':
      case 'tts.skip':
      case 'tts.clear':
        tts.handle(msg);
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
  }),
});
