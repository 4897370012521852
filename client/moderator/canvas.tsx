/**
 * The panel's host around the shared renderer: scales the 1920×1080 scene to the column,
 * mutes media (the moderator hears the stream elsewhere), and adds selection, handles,
 * dragging and other moderators' selections on a layer above the items.
 */
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { CANVAS_HEIGHT, CANVAS_WIDTH } from '../../src/protocol/constants.ts';
import type { Item } from '../../src/protocol/scene.ts';
import { SceneView } from '../shared/renderer.tsx';
import { KindIcon } from './icons.tsx';
import { TextInPlace } from './text-in-place.tsx';
import { dropLibraryItem, isLibraryDrag } from './library-drag.ts';
import { HANDLES, moveRect, resizeRect, type Handle, type Rect, type Snap } from './geometry.ts';
import { itemLabel } from './item-label.ts';
import type { SceneClient } from './scene-client.ts';
import { labelText } from '../shared/label-text.ts';
import type { DraftDiff } from './draft-diff.ts';
import { t } from './i18n.ts';

/** Screen px the pointer must travel before a press becomes a drag (a click must not move). */
const DRAG_THRESHOLD_PX = 3;

interface Drag {
  id: string;
  handle: Handle | null;
  start: Rect;
  pointer: { x: number; y: number };
  moved: boolean;
}

const muteMedia = (item: Item): Item => (item.kind === 'video' || item.kind === 'audio' ? { ...item, muted: true } : item);

/** Live video is pulled by overlays; the panel shows where it goes, not the stream. */
const webrtcPlaceholder = (item: Item) => (
  <div class="webrtc-placeholder">
    <KindIcon kind="webrtc" /> {item.webrtcRoom ?? ''}
  </div>
);

export function Canvas({ client, snap, diff }: { client: SceneClient; snap: Snap; diff: DraftDiff | null }) {
  const frame = useRef<HTMLDivElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  const drag = useRef<Drag | null>(null);
  const [scale, setScale] = useState(0.5);
  const [editing, setEditing] = useState<string | null>(null);
  const items = client.items;
  const shown = useMemo(() => items.map(muteMedia), [items]);

  useEffect(() => {
    const el = frame.current!;
    const fit = () => setScale(Math.max(0.05, el.clientWidth / CANVAS_WIDTH));
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const toCanvas = (e: PointerEvent) => {
    const rect = stage.current!.getBoundingClientRect();
    return { x: (e.clientX - rect.left) / scale, y: (e.clientY - rect.top) / scale };
  };

  const onPointerDown = (e: JSX.TargetedPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    const target = e.target as Element;
    const handle = target.closest('[data-handle]')?.getAttribute('data-handle') as Handle | null;
    const onSelection = target.closest('[data-selection]') !== null;
    const id = handle || onSelection ? client.selection : (target.closest('.item[data-id]')?.getAttribute('data-id') ?? null);
    client.select(id);
    const item = client.item(id);
    if (!item || item.locked || !client.may('patch', item)) return;
    e.preventDefault();
    (document.activeElement as HTMLElement | null)?.blur?.();
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { id: item.id, handle, start: { x: item.x, y: item.y, w: item.w, h: item.h }, pointer: toCanvas(e), moved: false };
  };

  const onPointerMove = (e: JSX.TargetedPointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    const at = toCanvas(e);
    const dx = at.x - d.pointer.x;
    const dy = at.y - d.pointer.y;
    if (!d.moved && Math.hypot(dx, dy) * scale < DRAG_THRESHOLD_PX) return;
    d.moved = true;
    // Alt held: place freely, without grid or edges.
    const rules: Snap = { grid: snap.grid, enabled: snap.enabled && !e.altKey };
    client.stream(d.id, d.handle ? resizeRect(d.start, d.handle, dx, dy, e.shiftKey, rules) : moveRect(d.start, dx, dy, rules));
  };

  const onPointerUp = (e: JSX.TargetedPointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    drag.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    if (d.moved) client.end(d.id);
  };

  const selected = client.item(client.selection);
  const others = client.news.presence.filter((p) => p.id !== client.news.you && p.selection?.length);
  const px = 1 / scale;

  return (
    <div class="canvas-frame" ref={frame} style={{ height: CANVAS_HEIGHT * scale }}>
      <div
        class="canvas-stage"
        ref={stage}
        data-scale={scale}
        style={{ width: CANVAS_WIDTH, height: CANVAS_HEIGHT, transform: `scale(${scale})` }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onDragOver={(e) => {
          if (isLibraryDrag(e)) e.preventDefault();
        }}
        onDrop={(e) => {
          const rect = stage.current!.getBoundingClientRect();
          if (dropLibraryItem({ x: (e.clientX - rect.left) / scale, y: (e.clientY - rect.top) / scale })) e.preventDefault();
        }}
        onDblClick={() => {
          // The double-click's first press selected what is under the pointer (the stage holds
          // the pointer capture, so the event's target is the stage itself).
          const item = client.item(client.selection);
          if (item && item.kind === 'text' && !item.locked && client.may('patch', item)) setEditing(item.id);
        }}
      >
        <SceneView items={shown} renderWebrtc={webrtcPlaceholder} />
        <div class="canvas-overlay">
          {editing && client.item(editing) && <TextInPlace item={client.item(editing)!} client={client} onDone={() => setEditing(null)} />}
          {/* Audio has no picture: a tile with its name shows where it is and that it is there. */}
          {items.filter((item) => item.kind === 'audio').map((item) => (
            <div key={`audio:${item.id}`} class="audio-tile" data-audio-tile={item.id} style={{ ...boxStyle(item), fontSize: 14 * px }}>
              <KindIcon kind="audio" /> <span>{itemLabel(item)}</span>
            </div>
          ))}
          {diff && <DiffMarks diff={diff} items={items} px={px} />}
          {others.flatMap((p) =>
            p.selection!.map((id) => {
              const item = items.find((i) => i.id === id);
              return item ? (
                <div key={`${p.id}:${id}`} class="peer-selection" style={{ ...boxStyle(item), outline: `${2 * px}px solid ${p.color}` }}>
                  <span class="peer-tag" style={{ background: p.color, fontSize: 12 * px }}>{labelText(p.label)}</span>
                </div>
              ) : null;
            }),
          )}
          {selected && (
            <div
              class={`selection${selected.locked ? ' locked' : ''}${selected.visible ? '' : ' hidden-item'}`}
              data-selection={selected.id}
              title={itemLabel(selected)}
              style={{ ...boxStyle(selected), outlineWidth: 2 * px }}
            >
              {!selected.locked &&
                client.may('patch', selected) &&
                HANDLES.map((h) => <div key={h} class={`handle handle-${h}`} data-handle={h} style={{ width: 12 * px, height: 12 * px }} />)}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

/** In Draft: a badge on each item a Take would add or change, a ghost where a removed one was. */
function DiffMarks({ diff, items, px }: { diff: DraftDiff; items: readonly Item[]; px: number }) {
  const marked = items.flatMap((item) => {
    const kind = diff.marks.get(item.id);
    return kind ? [{ item, kind }] : [];
  });
  return (
    <>
      {[...marked, ...diff.removed.map((item) => ({ item, kind: 'removed' as const }))].map(({ item, kind }) => (
        <div key={`diff:${item.id}`} class={`diff-mark diff-${kind}`} data-diff={item.id} data-diff-kind={kind} title={t(`prod.diff_${kind}`)} style={{ ...boxStyle(item), outlineWidth: 2 * px }}>
          <span class="diff-tag" style={{ fontSize: 12 * px }}>
            {kind === 'added' ? '+' : kind === 'removed' ? '−' : '~'} {itemLabel(item)}
          </span>
        </div>
      ))}
    </>
  );
}

function boxStyle(item: Item): JSX.CSSProperties {
  return {
    left: item.x,
    top: item.y,
    width: item.w,
    height: item.h,
    transform: item.rotation ? `rotate(${item.rotation}deg)` : undefined,
  };
}
