/**
 * The panel's icons as inline SVG (no emoji: OBS docks and Linux desktops often lack the
 * font). 16×16 strokes in currentColor, so they follow the theme.
 */
import type { ItemKind } from '../../src/protocol/scene.ts';

const PATHS = {
  text: 'M3 4h10M8 4v9',
  image: 'M2 3h12v10H2zM2 11l4-4 3 3 2-2 3 3',
  video: 'M2 4h9v8H2zM11 7l3-2v6l-3-2',
  audio: 'M3 6h3l4-3v10l-4-3H3zM12 5.5a3.5 3.5 0 0 1 0 5',
  webrtc: 'M8 9a1 1 0 1 0 0-.01M5 11a4 4 0 0 1 0-6M11 5a4 4 0 0 1 0 6M3 13a7 7 0 0 1 0-10M13 3a7 7 0 0 1 0 10',
  timer: 'M8 15a6 6 0 1 0 0-12 6 6 0 0 0 0 12zM8 5v4l2 1M6 1h4',
  eye: 'M1 8s3-5 7-5 7 5 7 5-3 5-7 5-7-5-7-5zM8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4z',
  eyeOff: 'M1 8s3-5 7-5 7 5 7 5-3 5-7 5-7-5-7-5zM2 14L14 2',
  lock: 'M4 7h8v7H4zM5.5 7V5a2.5 2.5 0 0 1 5 0v2',
  unlock: 'M4 7h8v7H4zM5.5 7V5a2.5 2.5 0 0 1 5-.5',
  more: 'M3 8h.01M8 8h.01M13 8h.01',
  play: 'M5 3l8 5-8 5z',
  pause: 'M5 3v10M11 3v10',
  restart: 'M3 8a5 5 0 1 0 1.5-3.5M3 2v3h3',
  stop: 'M4 4h8v8H4z',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, title }: { name: IconName; title?: string }) {
  return (
    <svg class="svg-icon" width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" aria-hidden={title ? undefined : 'true'} role={title ? 'img' : undefined}>
      {title && <title>{title}</title>}
      <path d={PATHS[name]} />
    </svg>
  );
}

export const KindIcon = ({ kind, title }: { kind: ItemKind; title?: string }) => <Icon name={kind} title={title} />;
