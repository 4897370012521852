/**
 * The overlay's speech queue: one utterance at a time, in the order the server sent them.
 * Speaks with the browser's speechSynthesis when it has a voice for the request, else plays
 * the server's audio (TTS_ENGINE=espeak) in an <audio> element; OBS's embedded browser often
 * has no voices at all. Every utterance ends in exactly one report (ended or error), and a
 * watchdog sized by the text ends any utterance the browser forgets to finish, so the queue
 * can never stall for good.
 */
import type { TtsReport, TtsServerMessage, TtsSpeak } from '../../src/protocol/tts.ts';

/** Chromium fills getVoices() some time after load and announces it with `voiceschanged`. */
const VOICE_WAIT_MS = 2000;
/** Generous: real speech runs 12–15 characters a second at rate 1; this allows ~5.5. */
const WATCHDOG_BASE_MS = 4000;
const WATCHDOG_MS_PER_CHAR = 180;
const WATCHDOG_MAX_MS = 300_000;
/** Chromium cuts off network voices after ~15 s unless the engine is nudged. */
const KEEPALIVE_MS = 10_000;
/** The server rate-limits speak; this only bounds memory against a flood. */
const MAX_QUEUE = 100;

type Report = (report: TtsReport) => void;
type Outcome = [type: 'tts.ended' | 'tts.error', message?: string];
interface Job {
  id: string;
  /** Stop now; report `outcome` if given (skip), nothing if not (clear). */
  stop(outcome?: Outcome): void;
}

export function watchdogMs(text: string, rate: number): number {
  return Math.min(WATCHDOG_MAX_MS, WATCHDOG_BASE_MS + Math.ceil((text.length * WATCHDOG_MS_PER_CHAR) / Math.max(rate, 0.1)));
}

/** voiceName as a case-insensitive substring, else the exact language, else the same language. */
export function pickVoice(voices: readonly SpeechSynthesisVoice[], lang: string, voiceName?: string): SpeechSynthesisVoice | undefined {
  const norm = (tag: string) => tag.replace(/_/g, '-').toLowerCase();
  const want = norm(lang);
  const prefix = want.split('-')[0];
  const name = voiceName?.trim().toLowerCase();
  const pick = (match: (v: SpeechSynthesisVoice) => boolean) => {
    const found = voices.filter(match);
    // Among equals, the platform's default first, then a local voice (works offline).
    return found.find((v) => v.default) ?? found.find((v) => v.localService) ?? found[0];
  };
  return (
    (name ? pick((v) => v.name.toLowerCase().includes(name)) : undefined) ??
    pick((v) => norm(v.lang) === want) ??
    pick((v) => norm(v.lang).split('-')[0] === prefix)
  );
}

export function createTtsPlayer(report: Report) {
  const synth: SpeechSynthesis | undefined = typeof speechSynthesis === 'object' && speechSynthesis ? speechSynthesis : undefined;
  const queue: TtsSpeak[] = [];
  let current: Job | null = null;
  let voicesReady: Promise<void> | undefined;

  /** Once per page: later utterances read whatever getVoices() holds by then. */
  const waitForVoices = () =>
    (voicesReady ??= new Promise<void>((resolve) => {
      if (!synth || synth.getVoices().length) return resolve();
      const check = () => {
        if (synth.getVoices().length) done();
      };
      const done = () => {
        clearTimeout(timer);
        synth.removeEventListener('voiceschanged', check);
        resolve();
      };
      const timer = setTimeout(done, VOICE_WAIT_MS);
      synth.addEventListener('voiceschanged', check);
    }));

  const next = () => {
    const msg = !current && queue.shift();
    if (msg) current = run(msg);
  };

  function run(msg: TtsSpeak): Job {
    const { id, text, audio_url: audioUrl } = msg;
    let finished = false;
    let started = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** Releases what is playing now (speech or audio); `abort` also silences it. */
    let halt = (_abort: boolean) => {};

    const send = (type: TtsReport['type'], message?: string) => report({ type, id, ...(message ? { message } : {}) });
    const start = () => {
      if (!started && !finished) send('tts.started');
      started = true;
    };
    const finish = (outcome?: Outcome, abort = true) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      halt(abort);
      if (outcome) send(...outcome);
      if (current === job) current = null;
      next();
    };
    const watch = (onTimeout: () => void) => {
      clearTimeout(timer);
      timer = setTimeout(onTimeout, watchdogMs(text, msg.rate));
    };

    const playAudio = (url: string) => {
      halt(true);
      const audio = document.createElement('audio');
      audio.preload = 'auto';
      audio.volume = msg.volume;
      audio.src = url;
      audio.onplaying = start;
      audio.onended = () => finish(['tts.ended']);
      audio.onerror = () => finish(['tts.error', `server audio failed to load (${url})`]);
      halt = () => {
        audio.onplaying = audio.onended = audio.onerror = null;
        audio.pause();
        audio.removeAttribute('src');
        audio.load();
        audio.remove();
      };
      // In the document, so OBS routes it like any page audio; no controls means not displayed.
      document.body.append(audio);
      watch(() => finish(['tts.error', 'server audio did not finish in time; skipped']));
      audio.play().catch((err: unknown) => finish(['tts.error', `server audio could not play: ${(err as Error)?.name ?? err}`]));
    };

    const speak = (s: SpeechSynthesis, voice: SpeechSynthesisVoice | undefined) => {
      const u = new SpeechSynthesisUtterance(text);
      // Held while speaking: Chromium drops the events of an utterance that was garbage-collected
      // mid-sentence. Also the token that mutes a stopped utterance's late events (cancel()
      // fires "interrupted", or "end", after we moved on).
      let live: SpeechSynthesisUtterance | null = u;
      const fail = (why: unknown) => {
        if (live !== u) return;
        if (!started && audioUrl) playAudio(audioUrl);
        else finish(['tts.error', `speech failed: ${why}`]);
      };
      u.lang = msg.lang;
      u.rate = msg.rate;
      u.pitch = msg.pitch;
      u.volume = msg.volume;
      if (voice) u.voice = voice;
      u.onstart = () => live === u && start();
      u.onend = () => live === u && finish(['tts.ended'], false);
      u.onerror = (e) => fail(e.error);
      const keepAlive = voice && !voice.localService ? setInterval(() => s.speaking && (s.pause(), s.resume()), KEEPALIVE_MS) : undefined;
      halt = (abort) => {
        live = null;
        clearInterval(keepAlive);
        // Not after a natural end: some engines drop a speak() that follows cancel() closely.
        if (abort) s.cancel();
      };
      watch(() => (started ? finish(['tts.error', 'speech never reported its end; skipped']) : fail('it did not start')));
      try {
        s.speak(u);
      } catch (err) {
        fail(err);
      }
    };

    const job: Job = { id, stop: (outcome) => finish(outcome) };
    void waitForVoices().then(() => {
      if (finished) return;
      const voices = synth?.getVoices() ?? [];
      const voice = pickVoice(voices, msg.lang, msg.voiceName);
      // A voice for another language reads the text wrongly: server audio is better, if any.
      if (synth && (voice || (voices.length && !audioUrl))) speak(synth, voice);
      else if (audioUrl) playAudio(audioUrl);
      else finish(['tts.error', synth ? `no speech voice in this browser for ${msg.lang}, and no server audio (TTS_ENGINE=espeak)` : 'speechSynthesis is not available, and no server audio (TTS_ENGINE=espeak)']);
    }).catch((err: unknown) => finish(['tts.error', `speech failed: ${err}`]));
    return job;
  }

  return {
    handle(msg: TtsServerMessage): void {
      if (msg.type === 'tts.speak') {
        if (current?.id === msg.id || queue.some((m) => m.id === msg.id)) return;
        if (queue.length >= MAX_QUEUE) return report({ type: 'tts.error', id: msg.id, message: 'speech queue is full' });
        queue.push(msg);
        next();
      } else if (msg.type === 'tts.skip') {
        // An id names one utterance, so a late click never skips a newer one.
        const i = msg.id ? queue.findIndex((m) => m.id === msg.id) : -1;
        if (i >= 0) report({ type: 'tts.ended', id: queue.splice(i, 1)[0]!.id, message: 'skipped' });
        else if (!msg.id || current?.id === msg.id) current?.stop(['tts.ended', 'skipped']);
      } else {
        queue.length = 0;
        current?.stop();
      }
    },
  };
}
