/**
 * A server-side speech engine (TTS_ENGINE=espeak and whatever command-line engine comes next):
 * it turns text into an audio file the overlay plays through its queue, for OBS builds whose
 * browser has no speechSynthesis voices. Engines live at the edge (src/node/espeak-engine.ts).
 */
export interface TtsSynthesisRequest {
  text: string;
  /** BCP 47, e.g. ru-RU; the engine maps it to its own voice names. */
  lang: string;
  /** 0.1–10, 1 = normal speed (speechSynthesis semantics). */
  rate: number;
  /** 0–2, 1 = normal pitch. */
  pitch: number;
}

export interface TtsEngine {
  /** Part of the cache key, so two engines never share audio. */
  readonly name: string;
  /** A same-origin path to the audio (`/uploads/tts-….wav`), or null when the engine could not speak it. */
  synthesize(request: TtsSynthesisRequest): Promise<{ path: string } | null>;
}

/**
 * The cache file name for a request: the same words in the same voice are made once. Volume is
 * not in the key; the overlay applies it when playing.
 */
export async function ttsAudioName(engine: string, request: TtsSynthesisRequest): Promise<string> {
  const key = JSON.stringify([engine, request.text, request.lang, request.rate, request.pitch]);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `tts-${hex.slice(0, 32)}.wav`;
}
