/** The logged-in panel: one SceneClient for the room, and the columns that read it. */
import { useEffect, useReducer, useState } from 'preact/hooks';
import { Canvas } from './canvas.tsx';
import type { Snap } from './geometry.ts';
import { t } from './i18n.ts';
import { handleShortcut } from './keyboard.ts';
import { Layers } from './layers.tsx';
import { LiveVideo } from './live-video.tsx';
import { MediaLibrary } from './media-library.tsx';
import { Properties } from './properties.tsx';
import { randomId } from './random-id.ts';
import { SceneClient } from './scene-client.ts';
import type { Me } from './session.ts';
import { sessionAlive } from './session.ts';
import { readStorage, writeStorage } from '../shared/local-storage.ts';
import { TopBar, type Prefs } from './top-bar.tsx';
import { ObsCard } from './obs-card.tsx';
import { TtsPanel } from './tts-panel.tsx';
import type { Item } from '../../src/protocol/scene.ts';
import { cascadePosition } from './geometry.ts';
import { AddByUrl } from './add-by-url.tsx';
import { AddCamera } from './add-camera.tsx';
import { ProductionBar, type Stage } from './production-bar.tsx';
import { useDraftDiff } from './draft-diff.ts';

const NOTICE_MS = 6000;
const SNAP_KEY = 'so.snap';

type PanelProps = { me: Me; prefs: Prefs; onRevoked(): void; onLogout(): void };

/** Switching Live/Draft opens the panel again on the other stage (its own socket and scene). */
export function StagedPanel(props: PanelProps) {
  const [stage, setStage] = useState<Stage>('live');
  return <Panel key={stage} {...props} stage={stage} onStage={setStage} />;
}

function Panel({ me, prefs, onRevoked, onLogout, stage, onStage }: PanelProps & { stage: Stage; onStage(stage: Stage): void }) {
  const [client] = useState(() => new SceneClient({ room: me.room, stage, sessionAlive, access: me }));
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [snap, setSnap] = useState<Snap>(savedSnap);
  const diff = useDraftDiff(client);

  useEffect(() => {
    const unsubscribe = client.subscribe(() => rerender(undefined));
    const onKey = (e: KeyboardEvent) => handleShortcut(client, e);
    addEventListener('keydown', onKey);
    exposeForTests(client);
    return () => {
      unsubscribe();
      removeEventListener('keydown', onKey);
      client.close();
    };
  }, [client]);

  useEffect(() => {
    if (client.revoked) onRevoked();
  }, [client.revoked]);

  useEffect(() => writeStorage(SNAP_KEY, JSON.stringify(snap)), [snap]);

  const notice = client.notice;
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => client.dismissNotice(), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice?.id]);

  const addItem = (fields: Omit<Item, 'id' | 'x' | 'y' | 'z' | 'rotation' | 'opacity' | 'visible' | 'locked'>) => {
    const top = client.items.reduce((z, item) => Math.max(z, item.z), 0);
    const id = randomId();
    client.add({ ...fields, id, ...cascadePosition(client.items, fields.w, fields.h), z: top + 1, rotation: 0, opacity: 1, visible: true, locked: false });
    client.select(id);
  };
  const addText = () => addItem({ kind: 'text', text: t('tool.new_text'), fontSize: 64, color: '#ffffff', w: 640, h: 120 });
  const addTimer = () =>
    addItem({ kind: 'timer', fontSize: 96, color: '#ffffff', strokeWidth: 3, strokeColor: '#000000', align: 'center', valign: 'middle', w: 480, h: 160, timer: { mode: 'countdown', durationMs: 5 * 60_000, format: 'mm:ss' } });

  // 16:9 at a third of the canvas: big enough to see a face, small enough to sit in a corner.
  const addCamera = () => addItem({ kind: 'webrtc', webrtcRoom: me.room, volume: 1, muted: false, w: 640, h: 360 });

  return (
    <div class="panel">
      <TopBar client={client} room={me.room} label={me.label} prefs={prefs} onLogout={onLogout} />
      {notice && (
        <div class={`notice notice-${notice.kind}`} role="status" data-notice={notice.kind}>
          <span>{t(`notice.${notice.kind}`, { message: notice.message ?? '' })}</span>
          <button type="button" class="small" onClick={() => client.dismissNotice()}>
            {t('notice.close')}
          </button>
        </div>
      )}
      <main class="columns">
        <aside class="left">
          <Layers client={client} diff={diff} />
        </aside>
        <section class="centre">
          <ProductionBar client={client} me={me} stage={stage} onStage={onStage} diff={diff} />
          <div class="toolbar">
            {client.may('add') && (
              <>
                <button type="button" class="primary" data-action="add-text" onClick={addText}>
                  + {t('tool.add_text')}
                </button>
                <button type="button" data-action="add-timer" onClick={addTimer}>
                  + {t('tool.add_timer')}
                </button>
                {client.may('webrtc.publish') && <AddCamera room={me.room} onAdd={addCamera} />}
                <AddByUrl
                  onAdd={(kind, src) =>
                    addItem(kind === 'image' ? { kind, src, w: 640, h: 360 } : kind === 'audio' ? { kind, src, w: 320, h: 80, volume: 1, loop: false } : { kind, src, w: 640, h: 360, volume: 1, loop: false })
                  }
                />
              </>
            )}
            <label class="field check">
              <input type="checkbox" checked={snap.enabled} onChange={(e) => setSnap({ ...snap, enabled: e.currentTarget.checked })} />
              <span>{t('tool.snap')}</span>
            </label>
            <label class="field inline">
              <span>{t('tool.grid')}</span>
              <input
                type="number"
                min={0}
                max={200}
                value={snap.grid}
                onChange={(e) => {
                  const grid = Number(e.currentTarget.value);
                  if (Number.isFinite(grid)) setSnap({ ...snap, grid: Math.max(0, Math.min(200, Math.round(grid))) });
                }}
              />
            </label>
          </div>
          <Canvas client={client} snap={snap} diff={diff} />
        </section>
        <aside class="right">
          <Properties client={client} />
          <MediaLibrary client={client} />
          <ObsCard client={client} room={me.room} />
          {client.may('tts') && <TtsPanel client={client} room={me.room} />}
          <LiveVideo room={me.room} mayPublish={client.may('webrtc.publish')} />
        </aside>
      </main>
    </div>
  );
}

function savedSnap(): Snap {
  try {
    const saved = JSON.parse(readStorage(SNAP_KEY) ?? 'null') as Partial<Snap> | null;
    if (saved && typeof saved.grid === 'number' && typeof saved.enabled === 'boolean') return { grid: saved.grid, enabled: saved.enabled };
  } catch {
    // Fall through to the defaults.
  }
  return { grid: 8, enabled: true };
}

/** Read-only state for tests and the browser console, like the overlay's `__overlay`. */
function exposeForTests(client: SceneClient): void {
  Object.defineProperty(window, '__panel', {
    configurable: true,
    value: Object.freeze({
      get version() {
        return client.version;
      },
      get items() {
        return client.items.map((i) => ({ ...i }));
      },
      get settling() {
        return client.settling;
      },
      get selection() {
        return client.selection;
      },
      get connection() {
        return client.connection;
      },
      get revoked() {
        return client.revoked;
      },
    }),
  });
}
