/** Who is connected to the room right now, how far each overlay got, and recent apply latency. */
import type { ClientInfo, Health, LatencyPoint } from './api.ts';
import { formatTime } from './controls.tsx';
import { t } from './i18n.ts';
import { labelText } from '../shared/label-text.ts';

export function HealthCard({ health }: { health: Health | null }) {
  if (!health) return <section class="card" data-card="health" />;
  return (
    <section class="card" data-card="health">
      <header>
        <h2>{t('health.title')}</h2>
        <span class="muted">{t('health.version', { v: health.version })}</span>
      </header>
      <h3>{t('health.overlays')}</h3>
      {health.overlays.length === 0 ? (
        <p class="muted">{t('health.no_overlays')}</p>
      ) : (
        <ul class="rows">
          {health.overlays.map((overlay) => {
            const behind = (overlay.applied_version ?? 0) < health.version;
            return (
              <li key={overlay.id} data-overlay-row={overlay.id} class={behind ? 'behind' : 'ok'}>
                <span class={`dot ${behind ? 'warn' : 'ok'}`} />
                <ClientBadge info={overlay} />
                <span class="grow">
                  {t('health.applied', { applied: overlay.applied_version ?? '—', version: health.version })}
                  {overlay.apply_latency_ms !== null && ` · ${t('health.latency', { ms: Math.round(overlay.apply_latency_ms) })}`}
                  {' · '}
                  {t('health.reconnects', { n: overlay.reconnects })}
                  <br />
                  <span class="muted">
                    {t('health.connected', { time: formatTime(overlay.connected_at) })}
                    {overlay.address ? ` · ${overlay.address}` : ''}
                  </span>
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <h3>{t('health.panels')}</h3>
      {health.panels.length === 0 ? (
        <p class="muted">{t('health.no_panels')}</p>
      ) : (
        <ul class="rows">
          {health.panels.map((panel) => (
            <li key={panel.id} data-panel-row={panel.id}>
              <span class="dot ok" />
              <ClientBadge info={panel} />
              <span class="grow">
                <strong>{labelText(panel.label)}</strong> <span class="muted">{t('health.connected', { time: formatTime(panel.connected_at) })}</span>
              </span>
            </li>
          ))}
        </ul>
      )}
      <h3>{t('health.latency_title')}</h3>
      <Sparkline points={health.latency} />
    </section>
  );
}

function ClientBadge({ info }: { info: ClientInfo }) {
  return (
    <span class={`badge ${info.client}`} title={info.user_agent} data-client={info.client}>
      {t(`health.${info.client}`)}
    </span>
  );
}

const WIDTH = 300;
const HEIGHT = 60;

/** p50 (solid) and p95 (faint) per 10-second bucket; the scale starts at zero. */
function Sparkline({ points }: { points: LatencyPoint[] }) {
  if (points.length === 0) return <p class="muted">{t('health.latency_none')}</p>;
  const last = points[points.length - 1]!;
  // Headroom above the worst bucket, and at least 10 ms so a calm room does not look spiky.
  const top = Math.max(10, ...points.map((p) => p.p95)) * 1.25;
  const first = points[0]!.t;
  const span = Math.max(1, last.t - first);
  const y = (value: number) => HEIGHT - 2 - (value / top) * (HEIGHT - 4);
  // One bucket so far: a level line across, rather than an invisible single point.
  const line = (pick: (p: LatencyPoint) => number) =>
    points.length === 1 ? `0,${y(pick(last))} ${WIDTH},${y(pick(last))}` : points.map((p) => `${((p.t - first) / span) * WIDTH},${y(pick(p))}`).join(' ');
  return (
    <div class="spark" data-latency-points={points.length}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={t('health.latency_title')}>
        <polyline class="p95" points={line((p) => p.p95)} />
        <polyline class="p50" points={line((p) => p.p50)} />
      </svg>
      <span class="legend">
        <span class="p50">{t('health.p50', { ms: last.p50 })}</span> <span class="p95">{t('health.p95', { ms: last.p95 })}</span>
      </span>
    </div>
  );
}
