/**
 * The production bar over the canvas: the Live/Draft switch, Take, the presets list and the
 * history drawer. It shows only what the session's scopes allow (a scope change from the
 * streamer arrives on the socket and applies at once).
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.ts';
import { t } from './i18n.ts';
import type { SceneClient } from './scene-client.ts';
import type { Me } from './session.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { mayDo } from './session-grant.ts';
import type { DraftDiff } from './draft-diff.ts';
import { itemLabel } from './item-label.ts';
import { CANVAS_HEIGHT, CANVAS_WIDTH } from '../../src/protocol/constants.ts';
import type { Scene } from '../../src/protocol/scene.ts';
import { SceneView } from '../shared/renderer.tsx';

export type Stage = 'live' | 'draft';
type PresetView = { name: string; scene: Scene; by: string };
type HistoryView = { version: number; at: string; summary: string; items: string[]; cleared: boolean };
const HISTORY_PAGE = 30;
/** Per-item undo is offered on versions that touched a few items; a bigger one is a revert's job. */
const UNDO_FOR_AT_MOST = 3;

export function ProductionBar({ client, me, stage, onStage, diff }: { client: SceneClient; me: Me; stage: Stage; onStage(stage: Stage): void; diff: DraftDiff | null }) {
  const may = (type: string, onStage: Stage = 'live') => mayDo(client.news.grant, onStage, type);
  const base = `/api/rooms/${encodeURIComponent(me.room)}`;
  const [open, setOpen] = useState<'presets' | 'history' | null>(null);
  const [presets, setPresets] = useState<PresetView[]>([]);
  const [history, setHistory] = useState<HistoryView[]>([]);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const run = (call: Promise<unknown>, then?: () => void) =>
    call.then(
      () => {
        setError(null);
        then?.();
      },
      (e: Error) => setError(e.message),
    );

  const version = client.version;
  const differs = diff?.count ?? null;

  const loadPresets = () => void api<{ presets: PresetView[] }>(`${base}/presets`).then((r) => setPresets(r.presets), (e: Error) => setError(e.message));
  const loadHistory = () => void api<{ entries: HistoryView[] }>(`${base}/history?limit=${HISTORY_PAGE}`).then((r) => setHistory(r.entries), (e: Error) => setError(e.message));
  useEffect(() => {
    if (open === 'presets') loadPresets();
    if (open === 'history') loadHistory();
  }, [open, open === 'history' ? version : 0]);

  const presetPath = (preset: string) => `${base}/presets/${encodeURIComponent(preset)}`;
  return (
    <div class="production" data-stage={stage}>
      {may('patch', 'draft') && (
        <span class="segmented" role="group">
          {(['live', 'draft'] as const).map((s) => (
            <button type="button" class={s === stage ? 'primary' : ''} aria-pressed={s === stage} data-stage-switch={s} onClick={() => onStage(s)}>
              {t(s === 'live' ? 'prod.live' : 'prod.draft')}
            </button>
          ))}
        </span>
      )}
      {stage === 'draft' && <span class="muted" data-differs={differs ?? ''}>{differs ? t('prod.differs', { count: String(differs) }) : t('prod.same')}</span>}
      {stage === 'draft' && may('take') && (
        <button type="button" class="primary" data-action="take" onClick={() => run(api(`${base}/take`, { method: 'POST' }), diff?.refresh)}>
          {t('prod.take')}
        </button>
      )}
      {stage === 'draft' && may('draft.reset') && (
        <ConfirmButton onConfirm={() => void run(api(`${base}/draft/reset`, { method: 'POST' }), diff?.refresh)}>{t('prod.reset')}</ConfirmButton>
      )}
      <button type="button" aria-expanded={open === 'presets'} data-action="presets" onClick={() => setOpen(open === 'presets' ? null : 'presets')}>
        {t('prod.presets')}
      </button>
      <button type="button" aria-expanded={open === 'history'} data-action="history" onClick={() => setOpen(open === 'history' ? null : 'history')}>
        {t('prod.history')}
      </button>
      {error && <span class="error" role="alert">{t('prod.failed', { message: error })}</span>}
      {open === 'presets' && (
        <div class="drawer card" data-drawer="presets">
          {may('preset.save') && (
            <form
              class="row"
              onSubmit={(e) => {
                e.preventDefault();
                if (name.trim()) void run(api(presetPath(name.trim()), { method: 'PUT' }), () => (setName(''), loadPresets()));
              }}
            >
              <input maxLength={64} placeholder={t('prod.preset_name')} value={name} onInput={(e) => setName(e.currentTarget.value)} />
              <button type="submit">{t('prod.save')}</button>
            </form>
          )}
          {presets.length === 0 && <p class="muted">{t('prod.no_presets')}</p>}
          <ul class="presets">
            {presets.map((preset) => (
              <li data-preset={preset.name}>
                <Thumbnail scene={preset.scene} />
                <span class="grow">{preset.name}</span>
                {may('preset.take') && (
                  <button type="button" class="small" onClick={() => void run(api(`${presetPath(preset.name)}/take${stage === 'draft' ? '?stage=draft' : ''}`, { method: 'POST' }))}>
                    {t('prod.take_preset')}
                  </button>
                )}
                {may('preset.delete') && (
                  <ConfirmButton class="small" onConfirm={() => void run(api(presetPath(preset.name), { method: 'DELETE' }), loadPresets)}>
                    {t('prod.delete')}
                  </ConfirmButton>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      {open === 'history' && (
        <div class="drawer card" data-drawer="history">
          {history.length === 0 && <p class="muted">{t('prod.no_history')}</p>}
          <ol class="history">
            {history.map((entry, i) => (
              <li data-version={entry.version}>
                <span class="muted">{new Date(entry.at).toLocaleTimeString()}</span> <span class="grow">{entry.summary}</span>
                {stage === 'live' &&
                  !entry.cleared &&
                  entry.items.length <= UNDO_FOR_AT_MOST &&
                  entry.items.map((id) => {
                    // A removed item is not in the scene any more: it is named by its id.
                    const item = client.item(id) ?? { id };
                    return (
                      client.may('item.undo', item) && (
                        <button type="button" class="small" data-undo-item={id} onClick={() => void run(api(`${base}/items/${encodeURIComponent(id)}/undo`, { json: { version: entry.version } }), loadHistory)}>
                          {t('prod.undo_for', { item: 'kind' in item ? itemLabel(item) : id })}
                        </button>
                      )
                    );
                  })}
                {i > 0 && may('revert') && (
                  <ConfirmButton class="small" onConfirm={() => void run(api(`${base}/revert`, { json: { version: entry.version } }))}>
                    {t('prod.revert')}
                  </ConfirmButton>
                )}
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}

const THUMB_WIDTH = 96;
const THUMB_SCALE = THUMB_WIDTH / CANVAS_WIDTH;

/** Live video is pulled by overlays: in a thumbnail it is a box where it goes. */
const webrtcBox = () => <div class="thumb-webrtc" />;

/** A preset drawn by the panel's own renderer at thumbnail scale, as a still (nothing plays). */
function Thumbnail({ scene }: { scene: Scene }) {
  return (
    <div class="preset-thumb" aria-hidden="true" style={{ width: THUMB_WIDTH, height: CANVAS_HEIGHT * THUMB_SCALE }}>
      <div style={{ transform: `scale(${THUMB_SCALE})`, transformOrigin: '0 0', width: CANVAS_WIDTH, height: CANVAS_HEIGHT }}>
        <SceneView items={scene.items} renderWebrtc={webrtcBox} still />
      </div>
    </div>
  );
}
