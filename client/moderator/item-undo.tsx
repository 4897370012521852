/**
 * "Undo Bob's last change to Logo" for the selected item: the newest kept version that changed
 * it (GET …/history?item=) names who made it; the button puts only this item back as it was
 * just before that version (POST …/items/:id/undo), even if it changed again since.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Item } from '../../src/protocol/scene.ts';
import { ApiError, api } from './api.ts';
import { errorText, t } from './i18n.ts';
import { itemLabel } from './item-label.ts';
import type { SceneClient } from './scene-client.ts';

type Change = { version: number; who: string };

/** A drag commits many versions: ask the history once it has settled. */
const LOOKUP_DEBOUNCE_MS = 400;

export function ItemUndo({ client, item }: { client: SceneClient; item: Item }) {
  const [change, setChange] = useState<Change | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const base = `/api/rooms/${encodeURIComponent(client.room)}`;
  // History is the live scene's: the draft has none, and the scope is needed to use it.
  const offered = client.stage === 'live' && client.may('item.undo', item);
  const version = client.version;

  useEffect(() => {
    if (!offered) return setChange(null);
    let stale = false;
    const timer = setTimeout(() => {
      api<{ entries: Change[] }>(`${base}/history?item=${encodeURIComponent(item.id)}&limit=1`).then(
        (r) => !stale && setChange(r.entries[0] ?? null),
        () => !stale && setChange(null),
      );
    }, LOOKUP_DEBOUNCE_MS);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [item.id, version, offered]);

  if (!offered || !change) return message ? <p class="muted" role="status">{message}</p> : null;
  const words = { who: change.who, item: itemLabel(item) };
  const undo = () =>
    api(`${base}/items/${encodeURIComponent(item.id)}/undo`, { json: { version: change.version } }).then(
      () => setMessage(t('prod.undone', words)),
      (e: unknown) => setMessage(e instanceof ApiError ? errorText(e.code, e.message) : String(e)),
    );
  return (
    <div class="item-undo">
      <button type="button" class="small" data-action="undo-item" data-undo-version={change.version} data-undo-who={change.who} onClick={() => void undo()}>
        {t('prod.undo_item', words)}
      </button>
      {message && <p class="muted" role="status">{message}</p>}
    </div>
  );
}
