/** The room's audit log: newest first, a page at a time, filtered by kind of action and by who. */
import { useEffect, useState } from 'preact/hooks';
import { auditPage, itemNames, type AuditEntry } from './api.ts';
import { auditLine } from './audit-line.ts';
import { formatTime } from './controls.tsx';
import { t } from './i18n.ts';

const ACTIONS = [
  ['', 'audit.all_actions'],
  ['scene', 'audit.scene'],
  ['key', 'audit.key'],
  ['session', 'audit.session'],
  ['tokens', 'audit.tokens'],
  ['streamer', 'audit.streamer'],
] as const;
const PAGE = 25;

export function AuditCard({ room, tick, onError }: { room: string; tick: number; onError(error: unknown): void }) {
  const [action, setAction] = useState('');
  const [who, setWho] = useState('');
  /** `before` cursors of the pages above this one; empty = the newest page. */
  const [cursors, setCursors] = useState<number[]>([]);
  const [page, setPage] = useState<{ entries: AuditEntry[]; next: number | null; names: ReadonlyMap<string, string> }>({ entries: [], next: null, names: new Map() });
  const before = cursors[cursors.length - 1];

  useEffect(() => setCursors([]), [room, action, who]);
  // Live only on the newest page: an older page the streamer is reading stays put.
  const liveTick = before === undefined ? tick : -1;
  useEffect(() => {
    Promise.all([auditPage(room, { before, action, who: who.trim() }, PAGE), itemNames(room)]).then(
      ([r, names]) => setPage({ entries: [...r.entries].reverse(), next: r.next_before, names }),
      onError,
    );
  }, [room, action, who, before, liveTick]);

  return (
    <section class="card" data-card="audit">
      <header>
        <h2>{t('audit.title')}</h2>
      </header>
      <div class="row">
        <label class="field">
          <select name="action" value={action} onChange={(e) => setAction(e.currentTarget.value)} aria-label={t('audit.all_actions')}>
            {ACTIONS.map(([value, key]) => (
              <option key={value} value={value}>
                {t(key)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <input name="who" placeholder={t('audit.who')} aria-label={t('audit.who')} value={who} onChange={(e) => setWho(e.currentTarget.value)} />
        </label>
      </div>
      {page.entries.length === 0 ? (
        <p class="muted">{t('audit.empty')}</p>
      ) : (
        <ol class="audit">
          {page.entries.map((entry, i) => (
            <li key={`${entry.ts}-${i}`} data-audit-line data-audit-action={entry.action}>
              <time class="muted">{formatTime(entry.ts)}</time> <span>{auditLine(entry, page.names)}</span>
            </li>
          ))}
        </ol>
      )}
      <div class="row">
        {cursors.length > 0 && (
          <button type="button" class="small" onClick={() => setCursors([])}>
            {t('audit.newest')}
          </button>
        )}
        {page.next !== null && (
          <button type="button" class="small" data-action="audit-older" onClick={() => setCursors([...cursors, page.next!])}>
            {t('audit.older')}
          </button>
        )}
      </div>
    </section>
  );
}
