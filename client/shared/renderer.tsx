/**
 * Draws scene items in the 1920×1080 canvas space. Shared by the overlay and the moderator
 * panel, so it knows nothing about scaling, pointer events or selection: hosts wrap it.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { CANVAS_HEIGHT, CANVAS_WIDTH } from '../../src/protocol/constants.ts';
import type { Item } from '../../src/protocol/scene.ts';
import { keepPlaying } from './autoplay.ts';
import type { Autoplay } from './autoplay.ts';

/** Lets the WebRTC work (or a panel) draw a live item its own way. */
export type RenderWebrtc = (item: Item) => ComponentChildren;

export interface SceneViewProps {
  items: readonly Item[];
  renderWebrtc?: RenderWebrtc;
}

export function SceneView({ items, renderWebrtc }: SceneViewProps) {
  const sorted = useMemo(() => sortByZ(items), [items]);
  return (
    <div class="scene" style={{ position: 'relative', width: CANVAS_WIDTH, height: CANVAS_HEIGHT }}>
      {sorted.map((item) => (
        <SceneItem key={item.id} item={item} renderWebrtc={renderWebrtc} />
      ))}
    </div>
  );
}

/** Array.prototype.sort is stable, so equal z keeps scene order. */
export function sortByZ(items: readonly Item[]): Item[] {
  return items.slice().sort((a, b) => a.z - b.z);
}

export function SceneItem({ item, renderWebrtc }: { item: Item; renderWebrtc?: RenderWebrtc }) {
  const box: JSX.CSSProperties = {
    position: 'absolute',
    left: item.x,
    top: item.y,
    width: item.w,
    height: item.h,
    opacity: item.opacity,
    transform: item.rotation ? `rotate(${item.rotation}deg)` : undefined,
    display: item.visible ? undefined : 'none',
  };
  return (
    <div class={`item item-${item.kind}`} data-id={item.id} style={box}>
      {itemBody(item, renderWebrtc)}
    </div>
  );
}

const fill: JSX.CSSProperties = { display: 'block', width: '100%', height: '100%', objectFit: 'contain' };

function itemBody(item: Item, renderWebrtc?: RenderWebrtc): ComponentChildren {
  switch (item.kind) {
    case 'text':
      return <TextBody item={item} />;
    case 'image':
      return item.src ? <img src={item.src} alt="" draggable={false} style={fill} /> : null;
    case 'video':
    case 'audio':
      // Keyed by source: only a new src (or kind) may replace the element and restart playback.
      return item.src ? <Media key={`${item.kind}:${item.src}`} item={item} /> : null;
    case 'webrtc':
      return renderWebrtc ? renderWebrtc(item) : <video key={item.id} data-webrtc={item.id} muted playsInline style={fill} />;
    default:
      return null;
  }
}

function TextBody({ item }: { item: Item }) {
  const style: JSX.CSSProperties = {
    width: '100%',
    height: '100%',
    overflow: 'hidden',
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    fontSize: item.fontSize ?? 48,
    fontFamily: item.fontFamily || 'sans-serif',
    fontWeight: item.fontWeight ?? 'normal',
    textAlign: item.align ?? 'left',
    color: item.color || '#fff',
    background: item.bg || undefined,
  };
  // A text child, never markup: scene text comes from moderators and must not become HTML.
  return <div style={style}>{item.text ?? ''}</div>;
}

function Media({ item }: { item: Item }) {
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  const autoplay = useRef<Autoplay | null>(null);
  // A hidden item keeps playing (showing it again is instant and stays in sync) but is silent:
  // a moderator who hides a video expects its sound gone from the stream too.
  const muted = (item.muted ?? false) || !item.visible;

  useEffect(() => {
    const el = ref.current!;
    const player = keepPlaying(el, muted);
    autoplay.current = player;
    return () => {
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

  if (item.kind === 'audio') return <audio ref={ref} src={item.src} preload="auto" />;
  return <video ref={ref} src={item.src} preload="auto" playsInline disablePictureInPicture style={fill} />;
}
