/**
 * The process's SFU: one Janus client and its rooms, shared by every signaling room, each of
 * which gets a JanusRoomMedia through `backend`. Built by createServices when JANUS_URL is set.
 */
import type { Logger } from '../../logger.ts';
import type { MediaBackendFactory } from '../../../rooms/media-backend.ts';
import { JanusClient, type WebSocketConstructor } from './janus-client.ts';
import { JanusRooms } from './janus-rooms.ts';
import { JanusRoomMedia } from './janus-room-media.ts';

/** The room's cap; the publisher page's preset (≤ 6 Mbps) decides what it really sends. */
const ROOM_BITRATE = 6_000_000;
/** Janus asks the publisher for a key frame this often, so a viewer that joins gets a picture soon. */
const FIR_FREQ_S = 10;
const CLOSE_WAIT_MS = 2000;

export interface JanusSfuOptions {
  url: string;
  tokenSecret?: string;
  adminKey?: string;
  /** TOKEN_SECRET: room secrets and pins are derived from it. */
  derivationSecret: string;
  log: Logger;
  WebSocket?: WebSocketConstructor;
}

export class JanusSfu {
  readonly client: JanusClient;
  readonly rooms: JanusRooms;
  private readonly media = new Map<string, JanusRoomMedia>();

  constructor(private readonly opts: JanusSfuOptions) {
    this.client = new JanusClient({ url: opts.url, tokenSecret: opts.tokenSecret, log: opts.log, WebSocket: opts.WebSocket });
    this.rooms = new JanusRooms(
      this.client,
      { adminKey: opts.adminKey, tokenSecret: opts.tokenSecret, derivationSecret: opts.derivationSecret, bitrate: ROOM_BITRATE, firFreq: FIR_FREQ_S },
      opts.log,
    );
    this.client.start();
  }

  readonly backend: MediaBackendFactory = (room, port) => {
    const media = new JanusRoomMedia(room, port, { client: this.client, rooms: this.rooms, log: this.opts.log });
    this.media.set(room, media);
    const dispose = media.dispose.bind(media);
    media.dispose = () => {
      if (this.media.get(room) === media) this.media.delete(room);
      dispose();
    };
    return media;
  };

  /** Tokens of a room were rotated: its Janus room ends and is created again on next use. */
  async rotated(room: string): Promise<void> {
    const media = this.media.get(room);
    if (media) await media.reset();
    else await this.rooms.destroy(room);
  }

  /** After the rooms were disposed: give their destroy requests a moment, then close. */
  async close(): Promise<void> {
    await Promise.race([this.rooms.settled(), new Promise((r) => setTimeout(r, CLOSE_WAIT_MS))]);
    this.client.close();
  }
}
