/**
 * GET /api/rooms/:room/audit?before=&limit=&action=&who=: the room's audit log, one page of
 * the newest entries older than `before` (ms), filtered by action (exact, or a prefix such as
 * `key` for `key.*`) and by who (exact, case-insensitive). The page itself is oldest first, as
 * the FastAPI version's route always answered; `next_before` asks for the page before it.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import type { AuditEntry } from '../store/store.ts';
import { authenticate } from '../access/authenticate.ts';
import { AUDIT_CAP } from '../protocol/constants.ts';
import { badRequest } from '../errors.ts';
import { roomName } from '../http/room-param.ts';

const DEFAULT_LIMIT = 200;
const digits = (max: number) => v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/, 'must be a whole number'), v.transform(Number), v.maxValue(max)));
const AuditQuery = v.object({
  before: digits(Number.MAX_SAFE_INTEGER),
  limit: digits(AUDIT_CAP),
  action: v.optional(v.pipe(v.string(), v.maxLength(64))),
  who: v.optional(v.pipe(v.string(), v.maxLength(64))),
});

export function auditRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const streamer = authenticate(services, { allow: ['streamer'] });

  app.get('/api/rooms/:room/audit', streamer, async (c) => {
    const parsed = v.safeParse(AuditQuery, c.req.query());
    if (!parsed.success) throw badRequest('bad_query', `${v.getDotPath(parsed.issues[0]) ?? 'query'}: ${parsed.issues[0].message}`);
    const query = parsed.output;
    const room = roomName(c);
    const limit = Math.max(query.limit ?? DEFAULT_LIMIT, 1);
    const filtering = query.before !== undefined || query.action || query.who;
    // Without filters one more than a page tells whether there is more, and whether the oldest
    // entry's timestamp group runs past the page (then read it all); with filters, read it all.
    let all = await services.store.listAudit(room, filtering ? AUDIT_CAP : limit + 1);
    if (!filtering && all.length === limit + 1 && all[0]!.ts === all[1]!.ts) all = await services.store.listAudit(room, AUDIT_CAP);
    const matching = filtering ? all.filter(matches(query)) : all;
    const entries = pageOf(matching, limit);
    const more = entries.length < matching.length;
    return c.json({ ok: true, room, entries, next_before: more && entries[0] ? entries[0].ts : null });
  });

  return app;
}

function matches(query: v.InferOutput<typeof AuditQuery>) {
  const who = query.who?.toLowerCase();
  return (entry: AuditEntry) =>
    (query.before === undefined || entry.ts < query.before) &&
    (!query.action || entry.action === query.action || entry.action.startsWith(`${query.action}.`)) &&
    (!who || entry.who.toLowerCase() === who);
}

/**
 * The newest `limit` entries, widened to every entry sharing the oldest one's timestamp, so
 * that `before=<that ts>` neither repeats nor skips an entry at the page boundary.
 */
function pageOf(entries: AuditEntry[], limit: number): AuditEntry[] {
  let start = Math.max(0, entries.length - limit);
  const boundary = entries[start]?.ts;
  while (start > 0 && entries[start - 1]!.ts === boundary) start--;
  return entries.slice(start);
}
