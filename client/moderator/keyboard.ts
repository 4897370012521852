/**
 * Canvas shortcuts. None of them fire while focus is in a field (the FastAPI version deleted the item
 * when a moderator pressed Delete in a text box). Keys are matched by `code`, so Ctrl+Z is
 * Ctrl+Z on a Russian layout too.
 */
import type { SceneClient } from './scene-client.ts';

/** Nudges within this quiet time become one op and one undo step (the FastAPI version's 120 ms). */
export const NUDGE_DEBOUNCE_MS = 120;

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

const ARROWS: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

export function handleShortcut(client: SceneClient, e: KeyboardEvent): void {
  if (e.defaultPrevented || isTyping(e.target)) return;
  const mod = e.ctrlKey || e.metaKey;
  if (mod && e.code === 'KeyZ') {
    e.preventDefault();
    if (e.shiftKey) client.redo();
    else client.undo();
    return;
  }
  if (mod && e.code === 'KeyY') {
    e.preventDefault();
    client.redo();
    return;
  }
  if (mod || e.altKey) return;
  if (e.key === 'Escape') return client.select(null);
  const item = client.item(client.selection);
  if (!item) return;
  if (e.key === 'Delete' || e.key === 'Backspace') {
    e.preventDefault();
    // Locked means "do not touch by accident"; the layers list still removes it on purpose.
    if (!item.locked && client.may('remove', item)) client.remove(item.id);
    return;
  }
  const arrow = ARROWS[e.key];
  if (!arrow || item.locked || !client.may('patch', item)) return;
  e.preventDefault();
  const step = e.shiftKey ? 10 : 1;
  client.edit(item.id, { x: item.x + arrow[0] * step, y: item.y + arrow[1] * step }, NUDGE_DEBOUNCE_MS);
}
