/**
 * What crosses instances when several web processes share one Redis: a channel per room
 * (`room:<id>`: committed patches, announcements, closes, each instance's socket tally) and
 * one channel for all instances (`instances`: session ends and scope changes, which may touch any room). It rides
 * on the store's publish/subscribe; only the Redis store gets one (the embedded store is one
 * process, see src/node/data-dir-lock.ts). Every message names the instance that sent it, so
 * an instance ignores its own echo. Messages come from our own instances, yet each is still
 * checked against the schema: a bad one is dropped and logged, never applied.
 */
import * as v from 'valibot';
import type { Store } from '../src/store/store.ts';
import type { Logger } from '../src/logger.ts';
import { ItemFilter, ScopeList } from '../src/protocol/scopes.ts';

const PresenceEntrySchema = v.object({ id: v.string(), label: v.string(), color: v.string(), selection: v.nullable(v.array(v.string())) });

/** One instance's share of a room: its sockets and its panels' presence. */
export const TallySchema = v.object({
  overlays: v.number(),
  moderators: v.number(),
  min_applied_version: v.nullable(v.number()),
  apply_latency_ms: v.nullable(v.number()),
  presence: v.array(PresenceEntrySchema),
});
export type Tally = v.InferOutput<typeof TallySchema>;

export const RoomBusMessage = v.variant('kind', [
  /** A committed batch: `data` is the `scene.patch` frame exactly as sockets get it. */
  v.object({ kind: v.literal('patch'), version: v.number(), data: v.string() }),
  /** A committed replace (PUT): too big to send, so holders reload from the store. */
  v.object({ kind: v.literal('full'), version: v.number() }),
  /** A room-wide event that is not a scene change (tts.speak, tts.state, …). */
  v.object({ kind: v.literal('announce'), to: v.picklist(['overlays', 'moderators', 'all']), message: v.looseObject({ type: v.string() }) }),
  /** An event only the FastAPI version's sockets get (media.play/stop). */
  v.object({ kind: v.literal('legacy'), message: v.looseObject({ type: v.string() }) }),
  /** Close this room's sockets of a role (view tokens rotated). */
  v.object({ kind: v.literal('close'), role: v.literal('overlay'), code: v.number(), reason: v.string() }),
  v.object({ kind: v.literal('tally'), tally: TallySchema }),
  /** An instance that just took the room asks the others for their tallies. */
  v.object({ kind: v.literal('hello') }),
]);
export type RoomBusMessage = v.InferOutput<typeof RoomBusMessage>;

export const InstanceBusMessage = v.variant('kind', [
  /** A moderator session ended: its sockets close, in every room, on every instance. */
  v.object({ kind: v.literal('session.closed'), session_id: v.string(), code: v.number(), reason: v.string() }),
  /** A live session's scopes changed: its sockets on every instance take them for their next op. */
  v.object({ kind: v.literal('session.scopes'), session_id: v.string(), scopes: ScopeList, items: v.nullable(ItemFilter) }),
]);
export type InstanceBusMessage = v.InferOutput<typeof InstanceBusMessage>;

const Envelope = v.object({ from: v.string(), body: v.unknown() });

export const roomChannel = (room: string) => `room:${room}`;
export const INSTANCES_CHANNEL = 'instances';

export class RoomBus {
  constructor(
    private readonly store: Store,
    readonly instanceId: string,
    private readonly log: Logger,
  ) {}

  /** Subscribe to a room's channel; resolves once the subscription is in effect. */
  joinRoom(room: string, onMessage: (message: RoomBusMessage, from: string) => void): Promise<() => Promise<void>> {
    return this.store.subscribe(roomChannel(room), (raw) => this.receive(raw, RoomBusMessage, onMessage, room));
  }

  /** Fire and forget: a lost message is a gap the receivers repair (room-peers.ts). */
  toRoom(room: string, message: RoomBusMessage): void {
    this.send(roomChannel(room), message);
  }

  listen(onMessage: (message: InstanceBusMessage, from: string) => void): Promise<() => Promise<void>> {
    return this.store.subscribe(INSTANCES_CHANNEL, (raw) => this.receive(raw, InstanceBusMessage, onMessage, INSTANCES_CHANNEL));
  }

  toInstances(message: InstanceBusMessage): void {
    this.send(INSTANCES_CHANNEL, message);
  }

  /** Any other channel with its own schema (signaling-relay.ts uses `signal:<room>`). */
  join<T>(channel: string, schema: v.GenericSchema<unknown, T>, onMessage: (message: T, from: string) => void): Promise<() => Promise<void>> {
    return this.store.subscribe(channel, (raw) => this.receive(raw, schema, onMessage, channel));
  }

  send(channel: string, body: unknown): void {
    this.store.publish(channel, JSON.stringify({ from: this.instanceId, body })).catch((error) => {
      this.log.warn('cross-instance message not sent', { channel, error: String(error) });
    });
  }

  private receive<T>(raw: string, schema: v.GenericSchema<unknown, T>, onMessage: (message: T, from: string) => void, channel: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const envelope = v.safeParse(Envelope, parsed);
    if (!envelope.success) return void this.log.warn('cross-instance message dropped: not an envelope', { channel });
    if (envelope.output.from === this.instanceId) return;
    const body = v.safeParse(schema, envelope.output.body);
    if (!body.success) return void this.log.warn('cross-instance message dropped: unknown shape', { channel, from: envelope.output.from });
    onMessage(body.output, envelope.output.from);
  }
}
