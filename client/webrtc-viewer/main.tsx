/**
 * The WebRTC viewer as its own bundle (/assets/webrtc-viewer.js). The overlay imports it
 * only when the scene holds a `webrtc` item or the page is in preview mode, so OBS sources
 * without live video keep the overlay's small bundle (12 KB budget).
 */
import { liveViewers } from '../shared/webrtc-viewer.ts';

export { startViewer } from '../shared/webrtc-viewer.ts';

/** Read-only handles for tests and the browser console. */
Object.defineProperty(window, '__webrtc', { value: Object.freeze({ viewers: liveViewers }) });
