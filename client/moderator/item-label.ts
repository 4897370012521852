/** How an item is named in the layers list and on presence tags: plain text, never markup. */
import type { Item, ItemKind } from '../../src/protocol/scene.ts';
import { t, type MessageKey } from './i18n.ts';
import { formatDuration } from '../shared/timer-format.ts';

export const kindName = (kind: ItemKind) => t(`kind.${kind}` as MessageKey);

/** The moderator's name for it, else its text, else its file, else its kind. */
export function itemLabel(item: Item): string {
  if (item.name?.trim()) return item.name.trim();
  if (item.kind === 'text' && item.text?.trim()) return clip(item.text.trim().replace(/\s+/g, ' '));
  if (item.src) return clip(decodeURIComponent(item.src.split(/[?#]/)[0]!.split('/').pop() ?? item.src));
  if (item.kind === 'timer' && item.timer) return `${kindName(item.kind)} ${formatDuration(Math.round((item.timer.durationMs ?? 0) / 1000), item.timer.format)}`;
  if (item.kind === 'webrtc' && item.webrtcRoom) return `${kindName(item.kind)}: ${item.webrtcRoom}`;
  return `${kindName(item.kind)} ${item.id}`;
}

const clip = (text: string, max = 40) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
