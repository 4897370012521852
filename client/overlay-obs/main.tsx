/**
 * The overlay's OBS bridge as its own bundle (/assets/overlay-obs.js): the overlay loads it
 * only when it runs inside OBS (window.obsstudio exists), so a plain browser never pays for it.
 */
export { startObsBridge } from '../overlay/obs-bridge.ts';
