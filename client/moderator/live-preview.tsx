/**
 * The live camera in the panel's live-video card: a small muted <video> of the room's WebRTC
 * stream, so a moderator sees what the publisher sends without opening an overlay.
 *
 * It is one more viewer of the room (peer to peer, or a subscriber through the SFU when the
 * server has JANUS_URL): the same shared viewer the overlay uses, loaded as its own bundle on
 * first use so the panel's bundle stays small. The viewer token comes from the moderator's
 * session, so ending the session (4001) ends the preview too, through the panel's "access
 * revoked" path. Every peer connection is closed when the preview is switched off, the card
 * goes away, or the tab stays hidden: in P2P each preview costs the publisher an encoder.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { WebrtcTokenResponse } from '../../src/protocol/signaling.ts';
import type { ViewerStatus, WebrtcViewer } from '../shared/webrtc-viewer.ts';
import { readStorage, writeStorage } from '../shared/local-storage.ts';
import { ApiError, sessionApi } from './api.ts';
import { t } from './i18n.ts';

type ViewerModule = typeof import('../shared/webrtc-viewer.ts');

const ENABLED_KEY = 'so.live-preview';
/** A glance at OBS in another window must not tear the connection down and make it again. */
const HIDDEN_GRACE_MS = 30_000;
/** A refused token (rate limit, server busy): try again after this long. */
const RETRY_MS = 10_000;

let viewerModule: Promise<ViewerModule> | null = null;
/** A computed specifier, so esbuild leaves the viewer in its own bundle (the overlay's too). */
function loadViewer(): Promise<ViewerModule> {
  viewerModule ??= (import(new URL('/assets/webrtc-viewer.js', location.href).href) as Promise<ViewerModule>).catch((error: unknown) => {
    viewerModule = null;
    throw error;
  });
  return viewerModule;
}

const viewerToken = async (room: string) => (await sessionApi<WebrtcTokenResponse>('/api/webrtc/token', { json: { room, role: 'viewer' } })).token;

/** What the card says: the preview is off, there is nothing to show, it is on its way, or live. */
type Phase = 'off' | 'none' | 'connecting' | 'live';

export function LivePreview({ room, publisherOnline }: { room: string; publisherOnline: boolean }) {
  const video = useRef<HTMLVideoElement>(null);
  const [enabled, setEnabled] = useState(() => readStorage(ENABLED_KEY) !== 'off');
  const visible = usePageVisible();
  // Started by the first publisher seen; after that the viewer itself follows publishers coming
  // and going (a reload is picked up at once, faster than the stats poll could notice).
  const seenPublisher = useRef(false);
  const [status, setStatus] = useState<ViewerStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  if (publisherOnline) seenPublisher.current = true;
  const running = enabled && visible && seenPublisher.current;

  useEffect(() => {
    if (!running) return;
    const element = video.current!;
    let cancelled = false;
    let viewer: WebrtcViewer | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const failed = (e: unknown) => {
      // 401 is the session ending: sessionApi has already sent the panel to "access revoked".
      if (cancelled || (e instanceof ApiError && e.status === 401)) return;
      setError(e instanceof Error ? e.message : String(e));
      retry = setTimeout(() => setAttempt((n) => n + 1), RETRY_MS);
    };
    // The token refresh was refused for good (e.g. tokens rotated): the session can mint another.
    const renew = () => void viewerToken(room).then((token) => !cancelled && viewer?.setToken(token), failed);
    setStatus('connecting');
    setError(null);
    void Promise.all([loadViewer(), viewerToken(room)]).then(([mod, token]) => {
      if (cancelled) return;
      viewer = mod.startViewer({
        video: element,
        room,
        token,
        onStatus: (next) => {
          if (cancelled) return;
          setStatus(next);
          if (next === 'token-dead') renew();
        },
      });
    }, failed);
    return () => {
      cancelled = true;
      clearTimeout(retry);
      viewer?.stop();
      // The last frame must not stay up looking live.
      element.srcObject = null;
      setStatus(null);
    };
  }, [running, room, attempt]);

  const toggle = (on: boolean) => {
    writeStorage(ENABLED_KEY, on ? 'on' : 'off');
    setEnabled(on);
  };

  const phase: Phase = !enabled ? 'off' : status === 'playing' ? 'live' : !running || status === 'waiting' ? 'none' : 'connecting';

  return (
    <div class="live-preview" data-preview={phase}>
      <label class="field check">
        <input type="checkbox" data-preview-toggle checked={enabled} onChange={(e) => toggle(e.currentTarget.checked)} />
        <span>{t('webrtc.preview')}</span>
      </label>
      {enabled && (
        <div style={frame}>
          <video ref={video} muted autoplay playsInline disablePictureInPicture style={{ ...fill, visibility: phase === 'live' ? 'visible' : 'hidden' }} />
          {phase !== 'live' && <span style={caption}>{t(phase === 'none' ? 'webrtc.preview_none' : 'webrtc.preview_connecting')}</span>}
          {phase === 'live' && <span style={badge}>● {t('webrtc.preview_live')}</span>}
        </div>
      )}
      {enabled && error && <p class="error">{error}</p>}
    </div>
  );
}

/** False once the tab has been hidden for a while; true again as soon as it is shown. */
function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== 'hidden');
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onChange = () => {
      clearTimeout(timer);
      if (document.visibilityState === 'hidden') timer = setTimeout(() => setVisible(false), HIDDEN_GRACE_MS);
      else setVisible(true);
    };
    document.addEventListener('visibilitychange', onChange);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onChange);
    };
  }, []);
  return visible;
}

const frame = { position: 'relative', width: '100%', aspectRatio: '16 / 9', background: '#000', borderRadius: '4px', overflow: 'hidden', margin: '6px 0' } as const;
const fill = { display: 'block', width: '100%', height: '100%', objectFit: 'contain' } as const;
const badge = { position: 'absolute', left: '6px', bottom: '6px', color: '#f55', fontSize: '12px', textShadow: '0 0 3px #000' } as const;
const caption = { position: 'absolute', inset: '0', display: 'flex', alignItems: 'center', justifyContent: 'center', color: '#fff', fontSize: '13px' } as const;
