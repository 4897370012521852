/** Inviting moderators (a one-time link shown once, with the rights it carries), outstanding keys, live sessions, panic. */
import { useEffect, useState } from 'preact/hooks';
import { endAllSessions, endSession, invite, listKeys, listSessions, revokeKey, setSessionScopes, type Invite, type KeyRow, type SessionRow as Session } from './api.ts';
import { ConfirmAction, CopyButton, formatTime } from './controls.tsx';
import { ALL_RIGHTS, grantSummary, parseItems, ScopePicker, type GrantDraft } from './scope-picker.tsx';
import { SessionRow } from './session-row.tsx';
import { t } from './i18n.ts';
import { QrCode } from './qr-code.tsx';
import { labelText } from '../shared/label-text.ts';

const LIFETIMES = [300, 600, 1800, 3600, 6 * 3600, 24 * 3600];
const lifetimeLabel = (seconds: number) => (seconds < 3600 ? t('mods.minutes', { n: Math.round(seconds / 60) }) : t('mods.hours', { n: Math.round(seconds / 3600) }));

export function ModeratorsCard(props: { room: string; tick: number; maxKeyTtl: number; onError(error: unknown): void }) {
  const { room, onError } = props;
  const lifetimes = [...new Set([...LIFETIMES.filter((s) => s < props.maxKeyTtl), props.maxKeyTtl])];
  const [label, setLabel] = useState('');
  const [ttl, setTtl] = useState(Math.min(600, props.maxKeyTtl));
  const [issued, setIssued] = useState<Invite | null>(null);
  const [keys, setKeys] = useState<KeyRow[]>([]);
  const [sessions, setSessions] = useState<Session[]>([]);
  const [grant, setGrant] = useState<GrantDraft>(ALL_RIGHTS);
  const [busy, setBusy] = useState(false);

  const refresh = () =>
    Promise.all([listKeys(), listSessions()]).then(([k, s]) => {
      setKeys(k.filter((row) => row.room === room));
      setSessions(s.filter((row) => row.room === room));
    }, onError);
  useEffect(() => void refresh(), [room, props.tick]);
  useEffect(() => setIssued(null), [room]);

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      onError(error);
    }
    await refresh();
  };

  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    void act(async () => {
      const items = parseItems(grant.items);
      // "All rights" sends no scopes: the key gets the default rights, as before scopes existed.
      setIssued(await invite(room, label.trim(), ttl, { ...(grant.scopes ? { scopes: grant.scopes } : {}), ...(items.length ? { items } : {}) }));
      setLabel('');
      setGrant(ALL_RIGHTS);
    }).finally(() => setBusy(false));
  };

  return (
    <section class="card" data-card="moderators">
      <header>
        <h2>{t('mods.title')}</h2>
      </header>
      <form class="row invite-form" onSubmit={submit}>
        <label class="field">
          <span>{t('mods.label')}</span>
          <input name="label" maxLength={64} value={label} onInput={(e) => setLabel(e.currentTarget.value)} placeholder="Alice" />
        </label>
        <label class="field narrow">
          <span>{t('mods.ttl')}</span>
          <select name="ttl" value={ttl} onChange={(e) => setTtl(Number(e.currentTarget.value))}>
            {lifetimes.map((s) => (
              <option key={s} value={s}>
                {lifetimeLabel(s)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" data-action="invite" disabled={busy}>
          {t('mods.invite')}
        </button>
        <ScopePicker value={grant} onChange={setGrant} />
      </form>
      {issued && (
        <div class="invite" data-invite={issued.key_id}>
          <p>{t('mods.link_once', { label: issued.label })}</p>
          <div class="share">
            <QrCode text={issued.url} label={issued.label} />
            <div class="share-text">
              <input class="url" readOnly value={issued.url} data-field="invite-url" onFocus={(e) => e.currentTarget.select()} />
              <p class="muted">{t('mods.expires', { time: formatTime(issued.expires_at) })}</p>
              <div class="row">
                <CopyButton text={issued.url} action="copy-invite">
                  {t('mods.copy_invite')}
                </CopyButton>
                <button type="button" onClick={() => setIssued(null)}>
                  {t('mods.done')}
                </button>
              </div>
            </div>
          </div>
        </div>
      )}
      <h3>{t('mods.keys')}</h3>
      {keys.length === 0 ? (
        <p class="muted">{t('mods.no_keys')}</p>
      ) : (
        <ul class="rows">
          {keys.map((key) => (
            <li key={key.key_id} data-key-row={key.key_id}>
              <span class="grow">
                <strong>{labelText(key.label)}</strong> <span class="muted">{t('mods.expires', { time: formatTime(key.expires_at) })}</span>
                <br />
                <span class="grant" data-scopes={(key.scopes ?? []).join(' ')}>
                  {grantSummary(key)}
                </span>
              </span>
              <button type="button" class="small danger" data-action="revoke-key" onClick={() => void act(() => revokeKey(key.key_id))}>
                {t('mods.revoke')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <h3>{t('mods.sessions')}</h3>
      {sessions.length === 0 ? (
        <p class="muted">{t('mods.no_sessions')}</p>
      ) : (
        <ul class="rows">
          {sessions.map((session) => (
            <SessionRow
              key={session.id}
              session={session}
              onEnd={() => void act(() => endSession(session.id))}
              onRights={(rights) => setSessionScopes(session.id, rights).then(refresh)}
              onError={onError}
            />
          ))}
        </ul>
      )}
      <ConfirmAction action="end-all-sessions" question={t('mods.end_all_confirm')} yes={t('mods.end_all_yes')} onConfirm={() => void act(endAllSessions)}>
        {t('mods.end_all')}
      </ConfirmAction>
    </section>
  );
}
