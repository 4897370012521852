/**
 * The overlay's speech player as its own bundle (/assets/overlay-tts.js): the overlay loads it
 * on the first TTS message, so an OBS source that never speaks keeps its small bundle.
 */
export { createTtsPlayer } from '../overlay/tts-player.ts';
