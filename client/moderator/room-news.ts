/**
 * What the room tells a panel besides the scene: its status, who else is here and what they
 * selected, the speech queue, and this session's scopes when the streamer changes them.
 */
import type { PresenceEntry, ServerMessage } from '../../src/protocol/messages.ts';
import type { Grant } from '../../src/protocol/scopes.ts';
import { withTtsState, withoutWaiting, type TtsEntry } from './speech-queue.ts';
import { grantOf, type SessionAccess } from './session-grant.ts';

export type RoomStatus = Extract<ServerMessage, { type: 'room.status' }>;
export type { TtsEntry };

export class RoomNews {
  status: RoomStatus | null = null;
  presence: PresenceEntry[] = [];
  you: string | null = null;
  tts: TtsEntry[] = [];
  grant: Grant;

  constructor(private readonly access: SessionAccess) {
    this.grant = grantOf(access);
  }

  /** Takes the message if it is news (true: the panel should re-render), else leaves it. */
  accept(msg: ServerMessage): boolean {
    switch (msg.type) {
      case 'room.status':
        this.status = msg;
        return true;
      case 'presence.state':
        this.presence = msg.moderators;
        this.you = msg.you ?? null;
        return true;
      case 'tts.state':
        this.tts = withTtsState(this.tts, msg);
        return true;
      case 'tts.clear':
        this.tts = withoutWaiting(this.tts);
        return true;
      case 'session.scopes':
        this.grant = grantOf(this.access, msg);
        return true;
      default:
        return false;
    }
  }
}
