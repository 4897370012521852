/**
 * Draws scene items in the 1920×1080 canvas space. Shared by the overlay and the moderator
 * panel, so it knows nothing about scaling, pointer events or selection: hosts wrap it.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useReducer, useRef } from 'preact/hooks';
import { CANVAS_HEIGHT, CANVAS_WIDTH } from '../../src/protocol/constants.ts';
import type { Item } from '../../src/protocol/scene.ts';
import { keepPlaying } from './autoplay.ts';
import type { Autoplay } from './autoplay.ts';
import { hasExit, useMotion } from './motion.ts';
import { syncPlayback, type MediaEndedReport, type PlaybackSync } from './playback-sync.ts';
import { TextBody } from './text-body.tsx';
import { TimerBody } from './timer-body.tsx';

/** Lets the WebRTC work (or a panel) draw a live item its own way. */
export type RenderWebrtc = (item: Item) => ComponentChildren;

export interface SceneViewProps {
  items: readonly Item[];
  renderWebrtc?: RenderWebrtc;
  /** Play enter/exit motion (the overlay); a panel edits without it. */
  motion?: boolean;
  /** Called when a synchronized non-looping clip ends (the overlay tells the room). */
  onMediaEnded?: MediaEndedReport;
  /** A still picture (a preset thumbnail): video shows its first frame, audio nothing; nothing plays or sounds. */
  still?: boolean;
}

export function SceneView({ items, renderWebrtc, motion, onMediaEnded, still }: SceneViewProps) {
  const shown = useWithExits(items, motion ?? false);
  const sorted = useMemo(() => sortByZ(shown.items), [shown.items]);
  // Items already in the first scene are simply there; later ones enter with their motion.
  const mounted = useRef(false);
  useEffect(() => void (mounted.current = true), []);
  return (
    <div class="scene" style={{ position: 'relative', width: CANVAS_WIDTH, height: CANVAS_HEIGHT }}>
      {sorted.map((item) => (
        <SceneItem
          key={item.id}
          item={item}
          renderWebrtc={renderWebrtc}
          motion={motion}
          animateMount={mounted.current}
          leaving={shown.leaving.has(item.id)}
          onGone={shown.gone}
          onMediaEnded={onMediaEnded}
          still={still}
        />
      ))}
    </div>
  );
}

/** Removed items with an exit stay in the list (as they were) until their exit has played. */
function useWithExits(items: readonly Item[], motion: boolean) {
  const previous = useRef<readonly Item[]>(items);
  const leaving = useRef(new Map<string, Item>());
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  if (motion && previous.current !== items) {
    const present = new Set(items.map((item) => item.id));
    for (const old of previous.current) if (!present.has(old.id) && hasExit(old)) leaving.current.set(old.id, old);
    for (const id of present) leaving.current.delete(id);
  }
  previous.current = items;
  const ids = new Set(leaving.current.keys());
  return {
    items: ids.size ? [...items, ...leaving.current.values()] : items,
    leaving: ids,
    gone: (id: string) => {
      if (leaving.current.delete(id)) rerender(undefined);
    },
  };
}

/** Array.prototype.sort is stable, so equal z keeps scene order. */
export function sortByZ(items: readonly Item[]): Item[] {
  return items.slice().sort((a, b) => a.z - b.z);
}

interface SceneItemProps {
  item: Item;
  renderWebrtc?: RenderWebrtc;
  motion?: boolean;
  animateMount?: boolean;
  leaving?: boolean;
  onGone?(id: string): void;
  onMediaEnded?: MediaEndedReport;
  still?: boolean;
}

export function SceneItem({ item, renderWebrtc, motion, animateMount = false, leaving = false, onGone, onMediaEnded, still = false }: SceneItemProps) {
  const ref = useRef<HTMLDivElement>(null);
  const exiting = useMotion(ref, item, motion ? animateMount : false, leaving, () => onGone?.(item.id), motion ?? false);
  const border = item.borderWidth ? `${item.borderWidth}px solid ${item.borderColor || '#fff'}` : undefined;
  const box: JSX.CSSProperties = {
    position: 'absolute',
    left: item.x,
    top: item.y,
    width: item.w,
    height: item.h,
    opacity: item.opacity,
    transform: item.rotation ? `rotate(${item.rotation}deg)` : undefined,
    display: item.visible || exiting || leaving ? undefined : 'none',
    borderRadius: item.radius || undefined,
    overflow: item.radius ? 'hidden' : undefined,
    border,
    boxSizing: border ? 'border-box' : undefined,
  };
  return (
    <div ref={ref} class={`item item-${item.kind}`} data-id={item.id} style={box}>
      {itemBody(item, renderWebrtc, onMediaEnded, still)}
    </div>
  );
}

const fill: JSX.CSSProperties = { display: 'block', width: '100%', height: '100%', objectFit: 'contain' };
const fitted = (item: Item): JSX.CSSProperties => (item.fit ? { ...fill, objectFit: item.fit } : fill);

function itemBody(item: Item, renderWebrtc?: RenderWebrtc, onMediaEnded?: MediaEndedReport, still = false): ComponentChildren {
  switch (item.kind) {
    case 'text':
      return <TextBody item={item} />;
    case 'timer':
      return <TimerBody item={item} />;
    case 'image':
      return item.src ? <img src={item.src} alt="" draggable={false} style={fitted(item)} /> : null;
    case 'video':
    case 'audio':
      // Metadata and the first frame only: a poster that never plays, downloads or sounds.
      if (still) return item.kind === 'video' && item.src ? <video src={item.src} preload="metadata" muted playsInline disablePictureInPicture style={fitted(item)} /> : null;
      // Keyed by source: only a new src (or kind) may replace the element and restart playback.
      return item.src ? <Media key={`${item.kind}:${item.src}`} item={item} onEnded={onMediaEnded} /> : null;
    case 'webrtc':
      return renderWebrtc ? renderWebrtc(item) : <video key={item.id} data-webrtc={item.id} muted playsInline style={fill} />;
    default:
      return null;
  }
}

function Media({ item, onEnded }: { item: Item; onEnded?: MediaEndedReport }) {
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  const autoplay = useRef<Autoplay | null>(null);
  const sync = useRef<PlaybackSync | null>(null);
  // A hidden item keeps playing (showing it again is instant and stays in sync) but is silent:
  // a moderator who hides a video expects its sound gone from the stream too.
  const muted = (item.muted ?? false) || !item.visible;

  useEffect(() => {
    const el = ref.current!;
    el.loop = item.loop ?? false;
    const synced = syncPlayback(el, item, onEnded);
    const player = keepPlaying(el, muted, synced.wantsPlay);
    synced.attach(player);
    autoplay.current = player;
    sync.current = synced;
    return () => {
      synced.stop();
      sync.current = null;
      player.stop();
      autoplay.current = null;
      // Release the decoder and the download now rather than whenever the element is collected.
      el.pause();
      el.removeAttribute('src');
      el.load();
    };
  }, []);

  // Set on the live element: changing these must never remount it or restart playback.
  useEffect(() => {
    const el = ref.current!;
    el.volume = Math.min(1, Math.max(0, item.volume ?? 1));
    el.loop = item.loop ?? false;
    autoplay.current?.setMuted(muted);
  }, [item.volume, item.loop, muted]);

  useLayoutEffect(() => sync.current?.update(item), [item.playback, item.loop]);

  if (item.kind === 'audio') return <audio ref={ref} src={item.src} preload="auto" />;
  return <video ref={ref} src={item.src} preload="auto" playsInline disablePictureInPicture style={fitted(item)} />;
}
