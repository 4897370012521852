/**
 * One-time moderator keys (legacy API paths and fields): the streamer issues, lists and revokes;
 * anyone holding a key may consume it once for a session bound to the key's room.
 */
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate, SESSION_COOKIE } from '../access/authenticate.ts';
import { BUCKETS } from '../access/rate-limit.ts';
import { readValidBody } from '../http/body.ts';
import { RoomId } from '../protocol/scene.ts';
import { AppError } from '../errors.ts';
import { audit } from '../store/audit.ts';
import { DEFAULT_ROOM } from '../http/room-param.ts';
import { setSessionCookie } from '../http/session-cookie.ts';
import { ItemFilter, ScopeList, grantFrom, type Scope } from '../protocol/scopes.ts';

const optionalLabel = (max: number) => v.optional(v.pipe(v.string(), v.trim(), v.maxLength(max)));
/**
 * ttl in seconds, as a number or numeric text (forms send text). Numbers or numeric text only:
 * Number() of a deeply nested array overflows the stack (a 500).
 */
export const KeyTtl = v.optional(v.pipe(v.union([v.number(), v.string()], 'ttl must be a number of seconds'), v.transform(Number), v.number('ttl must be a number of seconds'), v.integer('ttl must be whole seconds'), v.minValue(1, 'ttl must be at least 1 second')));
export const KeyLabel = optionalLabel(64);
const GenerateBody = v.object({
  streamer_id: optionalLabel(64),
  room: v.optional(RoomId, DEFAULT_ROOM),
  label: KeyLabel,
  ttl: KeyTtl,
  scopes: v.optional(ScopeList),
  items: v.optional(v.nullable(ItemFilter)),
});
const ConsumeBody = v.object({ key: v.pipe(v.string('key is required'), v.minLength(1, 'key is required'), v.maxLength(200)) });

export const INVALID_KEY = { code: 'invalid_or_expired_key', message: 'the key is invalid, already used, or expired' } as const;

export function moderatorKeyRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const streamer = authenticate(services, { allow: ['streamer'] });

  app.post('/api/moderator-keys/generate', streamer, async (c) => {
    const body = await readValidBody(c, GenerateBody);
    return c.json({ ok: true, ...(await issueKey(services, c, body)) });
  });

  app.post('/api/moderator-keys/consume', async (c) => {
    const client = c.get('clientIp');
    // Every try counts against modkey_consume once. A readable one is counted inside the
    // exchange; one whose body is refused is counted here, so past the limit it is a 429 too.
    const body = await readValidBody(c, ConsumeBody).catch(async (err: unknown) => {
      await services.limiter.hit(BUCKETS.modkeyConsume, client);
      throw err;
    });
    // Rate-limit hit, key taken, session stored and audit line appended in one store operation.
    const exchanged = await services.limiter.exchange(BUCKETS.modkeyConsume, client, (limit) => services.keys.exchangeForSession(body.key, services.sessions, client, limit));
    // Unknown, used and expired keys take the same path to the same answer.
    if (!exchanged) throw new AppError(400, INVALID_KEY.code, INVALID_KEY.message);
    const { key: record, secret, session } = exchanged;
    const grant = grantFrom(record);
    const ttl = Math.round((session.expires - Date.now()) / 1000);
    setSessionCookie(services, c, SESSION_COOKIE, secret, session.absolute_expires);
    return c.json({ ok: true, session: secret, session_id: session.id, ttl, room: record.room, label: record.label, ...grantAudit(grant) });
  });

  app.get('/api/moderator-keys', streamer, async (c) => {
    const keys = await services.keys.list();
    return c.json({
      ok: true,
      keys: keys.map((k) => ({ key_id: k.id, label: k.label, room: k.room, streamer_id: k.streamer_id, created_at: iso(k.created), expires_at: iso(k.expires), ...grantAudit(grantFrom(k)) })),
    });
  });

  app.delete('/api/moderator-keys/:key_id', streamer, async (c) => {
    const record = await services.keys.revoke(c.req.param('key_id'));
    if (!record) throw new AppError(404, 'not_found', 'no outstanding key with that key_id');
    await audit(services, record.room, { action: 'key.revoked', key_id: record.id, label: record.label });
    return c.json({ ok: true, key_id: record.id });
  });

  return app;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The scopes (and items filter, when there is one) as audit lines and listings show them. */
export const grantAudit = (grant: { scopes: readonly Scope[]; items?: readonly string[] | null }) => ({ scopes: [...grant.scopes], ...(grant.items ? { items: [...grant.items] } : {}) });

/** Issue one key (rate limited, audited); the TTL asked for is capped by MODERATOR_KEY_TTL_SECONDS. */
export async function issueKey(services: Services, c: Context<AppEnv>, body: { room: string; label?: string; ttl?: number; streamer_id?: string; scopes?: Scope[]; items?: string[] | null }) {
  await services.limiter.hit(BUCKETS.modkeyGenerate, c.get('clientIp'));
  const cap = services.config.MODERATOR_KEY_TTL_SECONDS;
  const ttl = Math.min(body.ttl ?? cap, cap);
  const label = body.label || `moderator-${crypto.randomUUID().slice(0, 4)}`;
  const { key, record } = await services.keys.issue({ room: body.room, label, streamerId: body.streamer_id || 'streamer', ttlSeconds: ttl, scopes: body.scopes, items: body.items });
  const grant = grantAudit(grantFrom(record));
  await audit(services, record.room, { action: 'key.issued', key_id: record.id, label, ...grant });
  return { key, ttl, room: record.room, label, key_id: record.id, expires_at: iso(record.expires), ...grant };
}
