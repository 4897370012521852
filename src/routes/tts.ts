/**
 * Text-to-speech control (legacy API paths): speak, skip, clear. The server only validates and
 * relays to the room's overlays, which keep the queue; with a server-side engine it also
 * attaches synthesized audio. Panels learn the queue from `tts.state` events.
 */
import { Hono, type Context } from 'hono';
import type * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { mayActOnRoom } from '../access/principal.ts';
import { BUCKETS } from '../access/rate-limit.ts';
import { readValidBody } from '../http/body.ts';
import { AppError } from '../errors.ts';
import { TtsControlBody, TtsSpeakBody, type TtsServerMessage, type TtsSpeak, type TtsState } from '../protocol/tts.ts';
import { roomName } from '../http/room-param.ts';
import { audit } from '../store/audit.ts';

export function ttsRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  // The room is in the body, so it is checked against the credential after parsing.
  const write = authenticate(services, { allow: ['streamer', 'moderator'], write: true, scope: 'tts' });

  app.post('/api/tts/speak', write, async (c) => {
    await services.limiter.hit(BUCKETS.ttsSpeak, c.get('clientIp'));
    const body = await readValidBody(c, TtsSpeakBody);
    const room = targetRoom(c, body.room);
    const { id, delivered, audio } = await speak(services, room, body, c.get('principal').label);
    return c.json({ ok: true, id, delivered, ...(audio ? { audio_url: audio.path } : {}) });
  });

  const control = (type: 'tts.skip' | 'tts.clear') => async (c: Context<AppEnv>) => {
    const body = await readValidBody(c, TtsControlBody);
    const room = targetRoom(c, body.room);
    const message: TtsServerMessage = type === 'tts.clear' ? { type } : body.id ? { type, id: body.id } : { type };
    const delivered = announceInRoom(services, room, message, 'overlays');
    // Panels mirror the queue, so they hear it too.
    announceInRoom(services, room, message, 'moderators');
    return c.json({ ok: true, delivered });
  };
  app.post('/api/tts/skip', write, control('tts.skip'));
  app.post('/api/tts/clear', write, control('tts.clear'));

  return app;
}

/** Send one utterance to the room's overlays (and its queue entry to the panels), audited; the control routes use it too. */
export async function speak(services: Services, room: string, body: v.InferOutput<typeof TtsSpeakBody>, who: string) {
  const id = crypto.randomUUID();
  const audio = await services.tts?.synthesize({ text: body.text, lang: body.lang, rate: body.rate, pitch: body.pitch });
  const message: TtsSpeak = {
    type: 'tts.speak',
    id,
    text: body.text,
    lang: body.lang,
    rate: body.rate,
    pitch: body.pitch,
    volume: body.volume,
    ...(body.voiceName ? { voiceName: body.voiceName } : {}),
    ...(audio ? { audio_url: audio.path } : {}),
  };
  const delivered = announceInRoom(services, room, message, 'overlays');
  const queued: TtsState = { type: 'tts.state', id, state: 'queued', text: body.text };
  announceInRoom(services, room, queued, 'moderators');
  // Who made the stream say what is worth keeping, like scene changes.
  await audit(services, room, { action: 'tts.speak', id, text: body.text }, who);
  return { id, delivered, audio };
}

/**
 * To the room's sockets here and on every other instance (through the room if it is live
 * here, else straight onto its channel). Returns how many sockets of this instance got it.
 */
function announceInRoom(services: Services, room: string, message: { type: string }, to: 'overlays' | 'moderators'): number {
  const local = services.overlays.peek(room);
  if (local) return local.announce(message, to);
  services.bus?.toRoom(room, { kind: 'announce', to, message });
  return 0;
}

/** The body's room, else `?room=`, else main; a moderator may only act on its own room. */
function targetRoom(c: Context<AppEnv>, fromBody: string | undefined): string {
  const room = roomName(fromBody ?? c.req.query('room'));
  const principal = c.get('principal');
  if (!mayActOnRoom(principal, room)) throw new AppError(403, 'wrong_room', `this credential is for room "${principal.room}", not "${room}"`);
  return room;
}
