/**
 * WebRTC for moderators: the live preview, a publisher link to hand to whoever streams the
 * camera, and the signaling room's stats. Hidden when the server has no WebRTC routes (404).
 */
import { useEffect, useState } from 'preact/hooks';
import type { PeerMetrics } from '../../src/protocol/signaling.ts';
import { ApiError, sessionApi } from './api.ts';
import { t } from './i18n.ts';
import { LivePreview } from './live-preview.tsx';
import { copyText, publisherLink } from './publisher-link.ts';

const POLL_MS = 4000;

interface RoomStats {
  publisher: { online: boolean; online_ms: number | null };
  viewer_list: { viewer_id: string; state: string; candidate_type: string | null; metrics: PeerMetrics | null }[];
}

/** `mayPublish`: the session holds `webrtc.publish`; without it the publisher link is not offered. */
export function LiveVideo({ room, mayPublish }: { room: string; mayPublish: boolean }) {
  const [available, setAvailable] = useState(true);
  const [stats, setStats] = useState<RoomStats | null>(null);
  const [link, setLink] = useState<{ url: string; copied: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = async () => {
      try {
        setStats(await sessionApi<RoomStats>(`/api/webrtc/rooms/${encodeURIComponent(room)}/stats`));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return setAvailable(false);
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [room]);

  if (!available) return null;

  const copyLink = async () => {
    setError(null);
    try {
      const url = await publisherLink(room);
      const copied = await copyText(url);
      setLink({ url, copied });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section class="card live-video">
      <h2>{t('webrtc.title')}</h2>
      <LivePreview room={room} publisherOnline={stats?.publisher.online ?? false} />
      {mayPublish && (
        <button type="button" data-action="copy-publisher-link" onClick={() => void copyLink()}>
          {t('webrtc.copy')}
        </button>
      )}
      {mayPublish && link && (
        <label class="field wide">
          <span>{link.copied ? t('webrtc.copied') : t('webrtc.copy_manual')}</span>
          <input readOnly value={link.url} data-publisher-link onFocus={(e) => e.currentTarget.select()} />
        </label>
      )}
      {error && <p class="error">{error}</p>}
      {stats && (
        <div class="webrtc-stats">
          <p>
            <span class={`dot ${stats.publisher.online ? 'ok' : 'off'}`} /> {stats.publisher.online ? t('webrtc.publisher_on') : t('webrtc.publisher_off')} ·{' '}
            {t('webrtc.viewers', { n: stats.viewer_list.length })}
          </p>
          <ul>
            {stats.viewer_list.map((v) => (
              <li key={v.viewer_id} class="muted">
                {t('webrtc.viewer', {
                  state: v.state,
                  type: v.candidate_type ?? '—',
                  kbps: fmt(v.metrics?.bitrate_kbps),
                  fps: fmt(v.metrics?.fps),
                  rtt: fmt(v.metrics?.rtt_ms),
                  loss: fmt(v.metrics?.packet_loss_pct),
                })}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

const fmt = (n: number | null | undefined) => (n == null ? '—' : String(Math.round(n * 10) / 10));
