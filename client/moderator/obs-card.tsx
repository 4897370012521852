/**
 * OBS as the room's overlays see it (room.status `obs` and `overlay_clients`): the top-bar
 * badge ("on program ✓" / "in OBS, not on program" / "not in OBS", frozen overlays) and the
 * OBS card with the current scene, scene buttons, replay save and per-overlay reload. The
 * requests go over HTTP (control-actions.ts) with the panel's session.
 */
import { useState } from 'preact/hooks';
import { sessionApi, ApiError } from './api.ts';
import { errorText, t, type MessageKey } from './i18n.ts';
import type { SceneClient } from './scene-client.ts';
import { OBS_COMMAND_LEVEL } from '../../src/protocol/obs-levels.ts';

export function ObsBadge({ client }: { client: SceneClient }) {
  const status = client.news.status;
  if (!status || status.overlays === 0) return null;
  const frozen = (status.overlay_clients ?? []).filter((c) => c.frozen).length;
  const state = status.obs ? (status.obs.on_program ? 'on_program' : 'not_on_program') : 'not_in_obs';
  return (
    <span class={`obs-badge obs-${state}`} data-obs={state}>
      {t(`obs.${state}` as MessageKey)}
      {frozen > 0 && (
        <span class="obs-frozen" data-obs-frozen={frozen}>
          {' '}
          · ⚠ {t('obs.frozen', { count: frozen })}
        </span>
      )}
    </span>
  );
}

export function ObsCard({ client, room }: { client: SceneClient; room: string }) {
  const [result, setResult] = useState<string | null>(null);
  const status = client.news.status;
  const overlays = status?.overlay_clients ?? [];
  if (!status || overlays.length === 0) return null;
  const obs = status.obs ?? null;
  const base = `/api/rooms/${encodeURIComponent(room)}`;
  const run = async (path: string, json?: unknown) => {
    setResult(null);
    try {
      await sessionApi(base + path, { method: 'POST', json: json ?? {} });
      setResult(t('obs.done'));
    } catch (error) {
      setResult(error instanceof ApiError ? errorText(error.code, error.message) : String(error));
    }
  };
  const canSwitch = obs !== null && obs.control_level >= OBS_COMMAND_LEVEL.scene;
  return (
    <section class="card obs" data-obs-card>
      <h2>{t('obs.title')}</h2>
      {obs && (
        <>
          <p>{t('obs.scene', { scene: obs.scene ?? '—' })}</p>
          {obs.transition && <p class="muted">{t('obs.transition', { name: obs.transition })}</p>}
          <p class="muted">{t('obs.level', { level: t(`obs.level.${obs.control_level}` as MessageKey) })}</p>
          {obs.scenes.length > 0 && (
            <div class="obs-scenes">
              {obs.scenes.map((name) => (
                <button key={name} type="button" class={name === obs.scene ? 'primary' : ''} disabled={!canSwitch} data-obs-scene={name} onClick={() => run(`/obs/scene/${encodeURIComponent(name)}`)}>
                  {name}
                </button>
              ))}
            </div>
          )}
          {!canSwitch && <p class="muted">{t('obs.need_advanced')}</p>}
          {obs.control_level >= OBS_COMMAND_LEVEL['replay.save'] && (
            <button type="button" onClick={() => run('/obs/replay/save')}>
              {t('obs.replay')}
            </button>
          )}
        </>
      )}
      <h3>{t('obs.overlays')}</h3>
      <ul class="obs-overlays">
        {overlays.map((o) => (
          <li key={o.id} data-overlay={o.id} data-frozen={o.frozen}>
            <span class="badge">{o.obs ? t('obs.in_obs', { version: o.obs.version }) : t('obs.browser')}</span> {o.visible === false ? t('obs.hidden') : t('obs.visible')}
            {o.active && ` · ${t('obs.active')}`}
            {o.frozen && <strong> · ⚠ {t('obs.frozen_one')}</strong>}
            <span class="muted"> · v{o.applied_version ?? '—'}</span>{' '}
            <button type="button" onClick={() => run('/overlays/reload', { overlay_id: o.id })}>
              {t('obs.reload')}
            </button>
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => run('/overlays/reload')}>
        {t('obs.reload_all')}
      </button>
      {result && <p class="muted">{result}</p>}
    </section>
  );
}
