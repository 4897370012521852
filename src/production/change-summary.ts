/** One line per version for the history list: "Alice moved Logo, changed text of Title". */
import type { PatchOp } from '../protocol/messages.ts';
import type { Item } from '../protocol/scene.ts';

const MAX_PHRASES = 4;

/** What changed in an item, as a verb phrase; fields are grouped the way an operator thinks of them. */
function changeOf(before: Item, after: Item): string {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as (keyof Item)[]);
  // Most fields are primitives and unchanged: === settles them without serializing both sides.
  const changed = new Set([...keys].filter((key) => before[key] !== after[key] && JSON.stringify(before[key]) !== JSON.stringify(after[key])));
  const any = (...names: (keyof Item)[]) => names.some((name) => changed.has(name));
  if (changed.size === 1 && changed.has('visible')) return after.visible ? 'showed' : 'hid';
  if (any('text')) return 'changed text of';
  if (any('src')) return 'changed media of';
  if (any('playback')) return 'played or paused';
  if (any('w', 'h')) return 'resized';
  if (any('x', 'y')) return 'moved';
  if (any('z')) return 'reordered';
  return 'changed';
}

const nameOf = (item: Item) => item.name || item.id;

export function summarizeChange(who: string, before: ReadonlyMap<string, Item>, patch: readonly PatchOp[], replaced: boolean): string {
  if (replaced) return `${who} replaced the scene (${patch.length} items)`;
  const phrases: string[] = [];
  for (const op of patch) {
    if (op.op === 'clear') phrases.push('cleared the scene');
    else if (op.op === 'remove') phrases.push(`removed ${before.get(op.id) ? nameOf(before.get(op.id)!) : op.id}`);
    else {
      const old = before.get(op.item.id);
      phrases.push(old ? `${changeOf(old, op.item)} ${nameOf(op.item)}` : `added ${nameOf(op.item)}`);
    }
  }
  const unique = [...new Set(phrases)];
  const shown = unique.slice(0, MAX_PHRASES).join(', ');
  const more = unique.length > MAX_PHRASES ? ` and ${unique.length - MAX_PHRASES} more` : '';
  return `${who} ${shown || 'changed nothing visible'}${more}`;
}
