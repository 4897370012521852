/** One live moderator session: who, since when, what it may do; the streamer changes its rights or ends it. */
import { useState } from 'preact/hooks';
import { DEFAULT_MODERATOR_SCOPES, type Scope } from '../../src/protocol/scopes.ts';
import type { SessionRow as Session } from './api.ts';
import { formatTime } from './controls.tsx';
import { t } from './i18n.ts';
import { labelText } from '../shared/label-text.ts';
import { draftOf, grantSummary, parseItems, ScopePicker, type GrantDraft } from './scope-picker.tsx';

export function SessionRow(props: { session: Session; onEnd(): void; onRights(grant: { scopes: Scope[]; items: string[] | null }): Promise<unknown>; onError(error: unknown): void }) {
  const { session } = props;
  const [editing, setEditing] = useState<GrantDraft | null>(null);
  const [saving, setSaving] = useState(false);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!editing) return;
    const items = parseItems(editing.items);
    setSaving(true);
    try {
      // A PATCH names the scopes outright: "all rights" is the default set.
      await props.onRights({ scopes: editing.scopes ?? [...DEFAULT_MODERATOR_SCOPES], items: items.length ? items : null });
      setEditing(null);
    } catch (error) {
      // Left open, so the streamer can fix what the server refused.
      props.onError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <li data-session-row={session.id} class="session">
      <div class="row-line">
        <span class="grow">
          <strong>{labelText(session.label)}</strong>{' '}
          <span class="muted">
            {t('mods.since', { time: formatTime(session.created_at) })} · {t('mods.last_seen', { time: formatTime(session.last_seen_at) })}
            {session.address ? ` · ${session.address}` : ''}
          </span>
          <br />
          <span class="grant" data-scopes={(session.scopes ?? []).join(' ')} data-items={(session.items ?? []).join(' ')}>
            {grantSummary(session)}
          </span>
        </span>
        <button type="button" class="small" data-action="edit-scopes" aria-expanded={editing !== null} onClick={() => setEditing(editing ? null : draftOf(session))}>
          {t('mods.edit_rights')}
        </button>
        <button type="button" class="small danger" data-action="end-session" onClick={props.onEnd}>
          {t('mods.end')}
        </button>
      </div>
      {editing && (
        <form class="scope-editor" data-scope-editor onSubmit={save}>
          <ScopePicker value={editing} onChange={setEditing} />
          <div class="row">
            <button type="submit" class="primary small" data-action="save-scopes" disabled={saving}>
              {t('mods.save_rights')}
            </button>
            <button type="button" class="small" onClick={() => setEditing(null)}>
              {t('mods.cancel')}
            </button>
          </div>
        </form>
      )}
    </li>
  );
}
