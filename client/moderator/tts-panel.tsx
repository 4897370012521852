/**
 * The FastAPI version's TTS form (text, lang, rate, pitch, volume, voice, presets) and the room's speech
 * queue as overlays report it. Settings other than the text are remembered in this browser.
 */
import { useEffect, useState } from 'preact/hooks';
import { sessionApi, ApiError } from './api.ts';
import { InputField, NumberField, Row } from './fields.tsx';
import { errorText, t, type MessageKey } from './i18n.ts';
import type { SceneClient } from './scene-client.ts';
import { readStorage, writeStorage } from '../shared/local-storage.ts';
import { TTS_MAX_TEXT_LENGTH } from '../../src/protocol/constants.ts';

/** The server's bound (src/protocol/tts.ts); repeated so this bundle stays free of schemas. */
const KEY = 'so.tts';

interface Voice {
  lang: string;
  rate: number;
  pitch: number;
  volume: number;
  voiceName: string;
}

const PRESETS: [MessageKey, Pick<Voice, 'rate' | 'pitch' | 'volume'>][] = [
  ['tts.preset.normal', { rate: 1, pitch: 1, volume: 1 }],
  ['tts.preset.announcer', { rate: 0.9, pitch: 1.2, volume: 1 }],
  ['tts.preset.robot', { rate: 1.15, pitch: 0.7, volume: 1 }],
];

function savedVoice(): Voice {
  const base: Voice = { lang: 'ru-RU', rate: 1, pitch: 1, volume: 1, voiceName: '' };
  try {
    return { ...base, ...(JSON.parse(readStorage(KEY) ?? '{}') as Partial<Voice>) };
  } catch {
    return base;
  }
}

export function TtsPanel({ client, room }: { client: SceneClient; room: string }) {
  const [text, setText] = useState('');
  const [voice, setVoice] = useState(savedVoice);
  const [result, setResult] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [voices, setVoices] = useState<string[]>([]);

  useEffect(() => writeStorage(KEY, JSON.stringify(voice)), [voice]);

  // This browser's voices as suggestions; the overlay's browser may have others.
  useEffect(() => {
    if (typeof speechSynthesis === 'undefined') return;
    const load = () => setVoices([...new Set(speechSynthesis.getVoices().map((v) => v.name))]);
    load();
    speechSynthesis.addEventListener('voiceschanged', load);
    return () => speechSynthesis.removeEventListener('voiceschanged', load);
  }, []);

  const update = (changes: Partial<Voice>) => setVoice((v) => ({ ...v, ...changes }));

  const speak = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    try {
      const res = await sessionApi<{ delivered: number }>('/api/tts/speak', { json: { ...voice, text, room } });
      setResult(t('tts.sent', { n: res.delivered }));
      setText('');
    } catch (error) {
      setResult(t('error.generic', { message: error instanceof ApiError ? errorText(error.code, error.message) : String(error) }));
    } finally {
      setBusy(false);
    }
  };

  const control = (path: 'skip' | 'clear', id?: string) =>
    sessionApi(`/api/tts/${path}`, { json: { room, ...(id ? { id } : {}) } }).catch((error: unknown) => setResult(t('error.generic', { message: String(error) })));

  const speaking = client.news.tts.find((e) => e.state === 'started');
  const queue = client.news.tts.slice().reverse();

  return (
    <section class="card tts">
      <h2>{t('tts.title')}</h2>
      <form onSubmit={speak}>
        <InputField label={t('tts.text')} name="tts-text" multiline maxLength={TTS_MAX_TEXT_LENGTH} value={text} onValue={setText} />
        <div class="presets">
          {PRESETS.map(([key, preset]) => (
            <button type="button" key={key} onClick={() => update(preset)}>
              {t(key)}
            </button>
          ))}
        </div>
        <Row>
          <InputField label={t('tts.lang')} name="tts-lang" value={voice.lang} maxLength={35} onValue={(lang) => update({ lang })} />
          <InputField label={t('tts.voice')} name="tts-voice" value={voice.voiceName} maxLength={100} list="tts-voices" onValue={(voiceName) => update({ voiceName })} />
          <datalist id="tts-voices">
            {voices.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </Row>
        <Row>
          <NumberField label={t('tts.rate')} name="tts-rate" value={voice.rate} min={0.1} max={10} step={0.05} onNumber={(rate) => update({ rate })} />
          <NumberField label={t('tts.pitch')} name="tts-pitch" value={voice.pitch} min={0} max={2} step={0.05} onNumber={(pitch) => update({ pitch })} />
          <NumberField label={t('tts.volume')} name="tts-volume" value={voice.volume} min={0} max={1} step={0.05} onNumber={(volume) => update({ volume })} />
        </Row>
        <button type="submit" class="primary" disabled={busy || !text.trim()}>
          {t('tts.speak')}
        </button>
        {result && <p class="muted">{result}</p>}
      </form>
      {/* The overlay (often OBS's browser) reported it has no voice: say so, and what fixes it. */}
      {queue.some((entry) => entry.state === 'error' && isNoVoice(entry.message)) && (
        <p class="notice notice-refused" role="status" data-tts-no-voice>
          {t('tts.no_voice')}
        </p>
      )}
      <h3>{t('tts.queue')}</h3>
      {queue.length === 0 ? (
        <p class="muted">{t('tts.queue_empty')}</p>
      ) : (
        <ul class="tts-queue">
          {queue.map((entry) => (
            <li key={entry.id} class={`tts-${entry.state}`}>
              <span class="badge">{t(`tts.state.${entry.state}` as MessageKey)}</span>
              <span class="name">{entry.text ?? entry.id}</span>
              {entry.message && <span class="muted"> — {isNoVoice(entry.message) ? t('tts.no_voice_short') : entry.message}</span>}
            </li>
          ))}
        </ul>
      )}
      <div class="row">
        <button type="button" onClick={() => control('skip', speaking?.id)}>
          {t('tts.skip')}
        </button>
        <button type="button" onClick={() => control('clear')}>
          {t('tts.clear')}
        </button>
      </div>
    </section>
  );
}

/** The overlay's report when it has no voice for the language and no server audio. */
const isNoVoice = (message: string | undefined) => !!message && /no speech voice|speechSynthesis is not available/.test(message);
