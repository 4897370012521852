/**
 * The Janus VideoRoom rooms our server owns: created on first use with the plugin's
 * admin_key (private, one publisher, bitrate cap, fir_freq so a joining viewer gets a key
 * frame soon), destroyed when our room goes away, and created again after Janus restarts
 * (a new client generation). Secrets and pins are derived (janus-auth.ts), never stored.
 */
import type { Logger } from '../../logger.ts';
import { JanusError, type JanusClient } from './janus-client.ts';
import type { JanusHandle } from './janus-handle.ts';
import { roomCredentials, roomToken, type RoomCredentials } from './janus-auth.ts';

export interface JanusRoomSettings {
  adminKey?: string;
  /** Janus's token_auth_secret: with it rooms use signed room tokens on join. */
  tokenSecret?: string;
  /** Our TOKEN_SECRET, from which secrets and pins are derived. */
  derivationSecret: string;
  /** The publisher's video bitrate cap, bits/s. */
  bitrate: number;
  /** Seconds between key-frame requests Janus sends the publisher. */
  firFreq: number;
}

export interface JanusParticipant {
  id: string | number;
  display?: string;
  publisher: boolean;
  talking?: boolean;
}

/** Janus answers 427 when the room already exists: ours, from before a restart of our server. */
const ROOM_EXISTS = 427;
const ROOM_TOKEN_LIFETIME_S = 3600;

export class JanusRooms {
  private admin: Promise<JanusHandle> | null = null;
  private adminGeneration = -1;
  /** Rooms created in the current generation. */
  private readonly created = new Map<string, Promise<void>>();
  private createdGeneration = -1;
  private readonly destroying = new Set<Promise<void>>();

  constructor(
    private readonly client: JanusClient,
    private readonly settings: JanusRoomSettings,
    private readonly log: Logger,
  ) {}

  /** Janus's id for one of our rooms (a prefix keeps other users of the same Janus apart). */
  static janusId(room: string): string {
    return `so-${room}`;
  }

  credentials(room: string): Promise<RoomCredentials> {
    return roomCredentials(this.settings.derivationSecret, JanusRooms.janusId(room));
  }

  /** What a join needs besides ptype and feed: room, pin and (with token_auth) a room token. */
  async joinFields(room: string): Promise<Record<string, unknown>> {
    const id = JanusRooms.janusId(room);
    const { pin } = await this.credentials(room);
    const token = this.settings.tokenSecret ? await roomToken(this.settings.tokenSecret, id, Math.floor(Date.now() / 1000) + ROOM_TOKEN_LIFETIME_S) : undefined;
    return { room: id, pin, ...(token ? { token } : {}) };
  }

  /** Create the room in this Janus session unless done already. */
  ensure(room: string): Promise<void> {
    if (this.createdGeneration !== this.client.generation) {
      this.created.clear();
      this.createdGeneration = this.client.generation;
    }
    let done = this.created.get(room);
    if (!done) {
      done = this.create(room);
      this.created.set(room, done);
      done.catch(() => this.created.delete(room));
    }
    return done;
  }

  /** Resolves when every destroy sent so far has been answered. */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.destroying]);
  }

  /** Never rejects: a failure is logged (the room then dies with Janus or is found again). */
  destroy(room: string): Promise<void> {
    const done: Promise<void> = this.destroyNow(room).catch((error: unknown) => this.log.warn('janus room destroy failed', { room, error: String(error) }));
    this.destroying.add(done);
    void done.then(() => this.destroying.delete(done));
    return done;
  }

  private async destroyNow(room: string): Promise<void> {
    this.created.delete(room);
    if (!this.client.ready) return;
    const { secret } = await this.credentials(room);
    try {
      await (await this.adminHandle()).message({ request: 'destroy', room: JanusRooms.janusId(room), secret, permanent: false });
      this.log.info('janus room destroyed', { room });
    } catch (error) {
      // 426: no such room (never created, or Janus restarted since): nothing to destroy.
      if (!(error instanceof JanusError && error.code === 426)) this.log.warn('janus room destroy failed', { room, error: String(error) });
    }
  }

  async participants(room: string): Promise<JanusParticipant[]> {
    const reply = await (await this.adminHandle()).message({ request: 'listparticipants', room: JanusRooms.janusId(room) });
    return Array.isArray(reply.data.participants) ? (reply.data.participants as JanusParticipant[]) : [];
  }

  private async create(room: string): Promise<void> {
    const { secret, pin } = await this.credentials(room);
    const { adminKey, tokenSecret, bitrate, firFreq } = this.settings;
    try {
      await (await this.adminHandle()).message({
        request: 'create',
        room: JanusRooms.janusId(room),
        ...(adminKey ? { admin_key: adminKey } : {}),
        permanent: false,
        is_private: true,
        secret,
        pin,
        ...(tokenSecret ? { signed_tokens: true } : {}),
        publishers: 1,
        bitrate,
        bitrate_cap: true,
        fir_freq: firFreq,
        // The first is the default; a publisher whose offer prefers H.264 gets it (publish's videocodec).
        videocodec: 'vp8,h264',
        audiocodec: 'opus',
        notify_joining: false,
      });
      this.log.info('janus room created', { room });
    } catch (error) {
      if (error instanceof JanusError && error.code === ROOM_EXISTS) return;
      throw error;
    }
  }

  private adminHandle(): Promise<JanusHandle> {
    if (!this.admin || this.adminGeneration !== this.client.generation) {
      this.adminGeneration = this.client.generation;
      const attached = this.client.attach('admin');
      this.admin = attached;
      attached.catch(() => {
        if (this.admin === attached) this.admin = null;
      });
    }
    return this.admin;
  }
}
