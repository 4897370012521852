/**
 * The publisher page: /publish?room=R&token=T (a publisher token from POST /api/webrtc/token).
 * Pick camera + microphone or a screen, a quality preset, and go live; the table shows each
 * viewer (OBS overlays) with its connection state and stats.
 */
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { keepTokenFresh } from '../shared/webrtc-token.ts';
import { Publisher, type PeerView, type PublisherStatus } from './publisher.ts';
import { PRESETS, cameraConstraints, presetById, type Preset } from './presets.ts';
import { captureError, t } from './i18n.ts';
import { DEFAULT_ROOM } from '../../src/protocol/constants.ts';

type Source = 'camera' | 'screen';
interface Choice {
  source: Source;
  preset: string;
  camera: string;
  mic: string;
}

const params = new URLSearchParams(location.search);
const room = params.get('room') || DEFAULT_ROOM;
/** Remembered for this tab only: a reload resumes a camera broadcast by itself. */
const RESUME_KEY = `publish:${room}`;
const NO_MIC = 'none';

let tokenDead = '';
const keeper = keepTokenFresh({
  token: params.get('token') ?? '',
  room,
  onDead: () => {
    tokenDead = t('token_dead');
    refresh();
  },
  onToken: (token) => {
    tokenDead = '';
    // A reload after the first token expired must still work: keep the address bar current.
    const url = new URL(location.href);
    url.searchParams.set('token', token);
    history.replaceState(null, '', url);
    refresh();
  },
});
let refresh = () => {};

async function capture(choice: Choice, preset: Preset): Promise<MediaStream> {
  if (choice.source === 'screen') {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: preset.fps } }, audio: true });
    stream.getVideoTracks()[0]!.contentHint = 'detail';
    return stream;
  }
  const stream = await navigator.mediaDevices.getUserMedia({
    video: cameraConstraints(preset, choice.camera || undefined),
    audio: choice.mic === NO_MIC ? false : choice.mic ? { deviceId: { exact: choice.mic } } : true,
  });
  stream.getVideoTracks()[0]!.contentHint = 'motion';
  return stream;
}

function savedChoice(): Choice | null {
  try {
    return JSON.parse(sessionStorage.getItem(RESUME_KEY) ?? 'null') as Choice | null;
  } catch {
    return null;
  }
}

function App() {
  const [, setTick] = useState(0);
  const rerender = () => setTick((n) => n + 1);
  refresh = rerender;
  const resume = useMemo(savedChoice, []);
  const [choice, setChoice] = useState<Choice>(resume ?? { source: 'camera', preset: '720p30', camera: '', mic: '' });
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [error, setError] = useState('');
  const [stream, setStream] = useState<MediaStream | null>(null);
  const preview = useRef<HTMLVideoElement>(null);
  const publisher = useMemo(() => new Publisher(room, keeper, presetById(choice.preset), rerender), []);

  const listDevices = () => navigator.mediaDevices?.enumerateDevices().then(setDevices, () => undefined);
  useEffect(() => {
    void listDevices();
    // Resume only a camera: a screen needs the user's pick again.
    if (resume?.source === 'camera') void start(resume);
    Object.defineProperty(window, '__publisher', {
      value: {
        get status() {
          return publisher.status;
        },
        peers: () => [...publisher.peers.values()].map((p) => ({ ...p.view })),
        /** What goes up: outbound-rtp video streams (encoders) over every connection, and their totals. */
        outboundVideo: async () => {
          const total = { streams: 0, bytesSent: 0, framesEncoded: 0 };
          for (const peer of publisher.peers.values()) {
            (await peer.pc.getStats()).forEach((report: { type: string; kind?: string; bytesSent?: number; framesEncoded?: number }) => {
              if (report.type !== 'outbound-rtp' || report.kind !== 'video') return;
              total.streams++;
              total.bytesSent += report.bytesSent ?? 0;
              total.framesEncoded += report.framesEncoded ?? 0;
            });
          }
          return total;
        },
      },
    });
  }, []);

  useEffect(() => {
    if (preview.current) preview.current.srcObject = stream;
  }, [stream]);

  const stopTracks = (s: MediaStream | null) => s?.getTracks().forEach((t) => t.stop());

  async function start(next: Choice = choice) {
    setError('');
    try {
      const preset = presetById(next.preset);
      const captured = await capture(next, preset);
      captured.getVideoTracks()[0]!.onended = () => stop();
      stopTracks(stream);
      setStream(captured);
      if (publisher.status === 'live' || publisher.status === 'connecting') await publisher.setStream(captured);
      else await publisher.start(captured);
      if (next.source === 'camera') sessionStorage.setItem(RESUME_KEY, JSON.stringify(next));
      void listDevices();
    } catch (e) {
      setError(captureError(e as Error));
    }
  }

  function stop() {
    publisher.stop();
    sessionStorage.removeItem(RESUME_KEY);
    setStream((s) => {
      stopTracks(s);
      return null;
    });
  }

  async function update(patch: Partial<Choice>) {
    const next = { ...choice, ...patch };
    setChoice(next);
    if (!stream) return;
    if (patch.preset) {
      const preset = presetById(next.preset);
      await publisher.setPreset(preset);
      if (next.source === 'camera') await stream.getVideoTracks()[0]?.applyConstraints(cameraConstraints(preset, next.camera || undefined)).catch(() => undefined);
      if (next.source === 'camera') sessionStorage.setItem(RESUME_KEY, JSON.stringify(next));
    } else {
      await start(next);
    }
  }

  const live = publisher.status !== 'idle' && publisher.status !== 'replaced';
  const cameras = devices.filter((d) => d.kind === 'videoinput');
  const mics = devices.filter((d) => d.kind === 'audioinput');
  const peers = [...publisher.peers.values()].map((p) => p.view);

  return (
    <main>
      <header>
        <h1>{t('title', { room })}</h1>
        <StatusBadge status={publisher.status} />
      </header>
      {tokenDead && <p class="error">{tokenDead}</p>}
      {publisher.status === 'replaced' && <p class="error">{t('replaced')}</p>}
      {error && <p class="error">{error}</p>}
      <section class="controls">
        <label>
          {t('source')}
          <select value={choice.source} onChange={(e) => void update({ source: e.currentTarget.value as Source })}>
            <option value="camera">{t('camera')}</option>
            <option value="screen">{t('screen')}</option>
          </select>
        </label>
        {choice.source === 'camera' && (
          <>
            <label>
              {t('camera')}
              <select value={choice.camera} onChange={(e) => void update({ camera: e.currentTarget.value })}>
                <option value="">{t('default')}</option>
                {cameras.map((d, i) => (
                  <option value={d.deviceId}>{d.label || t('camera_n', { n: i + 1 })}</option>
                ))}
              </select>
            </label>
            <label>
              {t('microphone')}
              <select value={choice.mic} onChange={(e) => void update({ mic: e.currentTarget.value })}>
                <option value="">{t('default')}</option>
                <option value={NO_MIC}>{t('none')}</option>
                {mics.map((d, i) => (
                  <option value={d.deviceId}>{d.label || t('microphone_n', { n: i + 1 })}</option>
                ))}
              </select>
            </label>
          </>
        )}
        <label>
          {t('quality')}
          <select value={choice.preset} onChange={(e) => void update({ preset: e.currentTarget.value })}>
            {PRESETS.map((p) => (
              <option value={p.id}>{p.label}</option>
            ))}
          </select>
        </label>
        {live ? (
          <button type="button" class="stop" onClick={stop}>
            {t('stop')}
          </button>
        ) : (
          <button type="button" class="start" onClick={() => void start()}>
            {t('start')}
          </button>
        )}
      </section>
      <video ref={preview} class="preview" autoplay muted playsInline />
      <Viewers peers={peers} />
    </main>
  );
}

function StatusBadge({ status }: { status: PublisherStatus }) {
  const text = t(`status.${status}`);
  return <span class={`badge badge-${status}`}>{text}</span>;
}

const show = (value: number | null | undefined, unit = '') => (value === null || value === undefined ? '–' : `${value}${unit}`);

function Viewers({ peers }: { peers: PeerView[] }) {
  return (
    <section>
      <h2>{t('viewers', { n: peers.length })}</h2>
      <table>
        <thead>
          <tr>
            <th>{t('viewer')}</th>
            <th>{t('state')}</th>
            <th>{t('path')}</th>
            <th>{t('bitrate')}</th>
            <th>{t('fps')}</th>
            <th>{t('size')}</th>
            <th>{t('rtt')}</th>
            <th>{t('loss')}</th>
          </tr>
        </thead>
        <tbody>
          {peers.map((p) => (
            <tr key={p.id} data-viewer={p.id}>
              <td title={p.id}>{p.id.slice(0, 8)}</td>
              <td class={`state-${p.state}`}>{p.state}</td>
              <td>{p.local ? `${p.local} → ${p.remote ?? '?'}` : '–'}</td>
              <td>{show(p.metrics?.bitrate_kbps, t('kbps'))}</td>
              <td>{show(p.metrics?.fps)}</td>
              <td>{p.metrics?.width ? `${p.metrics.width}×${p.metrics.height}` : '–'}</td>
              <td>{show(p.metrics?.rtt_ms, t('ms'))}</td>
              <td>{show(p.metrics?.packet_loss_pct, ' %')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

render(<App />, document.getElementById('app')!);
