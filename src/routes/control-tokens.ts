/**
 * Control tokens for Stream Deck / Companion, scripts and bots (streamer only):
 *
 *   POST   /api/control-tokens      {room, scopes, label, items?} → the token, shown this once
 *   GET    /api/control-tokens      every token (never the secret)
 *   DELETE /api/control-tokens/:id  revoke; its open /ws/control feeds close
 *
 * Issuing, listing and revoking take the streamer credential alone, so a control token (or a
 * moderator) can never make more tokens. Every change is audited in the token's room.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import type { ControlTokenRecord, ControlTokens } from '../access/control-tokens.ts';
import { readValidBody } from '../http/body.ts';
import { RoomId } from '../protocol/scene.ts';
import { ItemFilter, ScopeList } from '../protocol/scopes.ts';
import { AppError } from '../errors.ts';
import { audit } from '../store/audit.ts';
import { closeSessionSockets } from '../http/session-sockets.ts';
import { DEFAULT_ROOM } from '../http/room-param.ts';

const IssueBody = v.object({
  room: v.optional(RoomId, DEFAULT_ROOM),
  label: v.pipe(v.string('label must be a string'), v.trim(), v.minLength(1, 'label must not be empty'), v.maxLength(64, 'label is longer than 64 characters')),
  scopes: v.pipe(ScopeList, v.minLength(1, 'scopes must name at least one scope')),
  items: v.optional(v.nullable(ItemFilter)),
});

export function controlTokenRoutes(services: Services, tokens: ControlTokens) {
  const app = new Hono<AppEnv>();
  const streamer = authenticate(services, { allow: ['streamer'], write: true });
  const streamerRead = authenticate(services, { allow: ['streamer'] });

  app.post('/api/control-tokens', streamer, async (c) => {
    const body = await readValidBody(c, IssueBody);
    const { token, record } = await tokens.issue(body);
    await audit(services, record.room, { action: 'control_token.issued', token_id: record.id, label: record.label, scopes: record.scopes, ...(record.items ? { items: record.items } : {}) });
    return c.json({ ok: true, token, ...describe(record) }, 201);
  });

  app.get('/api/control-tokens', streamerRead, async (c) => {
    const room = c.req.query('room');
    const all = await tokens.list();
    return c.json({ ok: true, tokens: all.filter((t) => room === undefined || t.room === room).map(describe) });
  });

  app.delete('/api/control-tokens/:id', streamer, async (c) => {
    const record = await tokens.revoke(c.req.param('id'));
    if (!record) throw new AppError(404, 'not_found', 'no control token with that id');
    const sockets = closeSessionSockets(services, `control:${record.id}`, 'control token revoked');
    await audit(services, record.room, { action: 'control_token.revoked', token_id: record.id, label: record.label });
    return c.json({ ok: true, id: record.id, sockets });
  });

  return app;
}

const describe = (record: ControlTokenRecord) => ({
  id: record.id,
  room: record.room,
  label: record.label,
  scopes: record.scopes,
  items: record.items ?? null,
  created_at: new Date(record.created).toISOString(),
});
