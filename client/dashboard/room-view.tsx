/**
 * One room: OBS link, moderators, health and audit. The dashboard holds its own room socket
 * (as the streamer): every `room.status` — an overlay or panel came or went, an overlay
 * applied a version — refreshes the cards, so Health is live without polling fast.
 */
import { useEffect, useState } from 'preact/hooks';
import { createSocket } from '../shared/socket.ts';
import type { ModeratorClientMessage } from '../../src/protocol/messages.ts';
import { health as loadHealth, type Health } from './api.ts';
import { AuditCard } from './audit-card.tsx';
import { HealthCard } from './health-card.tsx';
import { t } from './i18n.ts';
import { ModeratorsCard } from './moderators-card.tsx';
import { ObsCard } from './obs-card.tsx';

/** Keys, sessions and last-seen times change without a room event; look again this often. */
const REFRESH_MS = 5000;

export function RoomView({ room, maxKeyTtl, onError, onRoomEvent }: { room: string; maxKeyTtl: number; onError(error: unknown): void; onRoomEvent(): void }) {
  const [tick, setTick] = useState(0);
  const [health, setHealth] = useState<Health | null>(null);

  useEffect(() => {
    setHealth(null);
    const bump = () => setTick((n) => n + 1);
    const socket = createSocket<ModeratorClientMessage>({
      url: () => {
        const url = new URL('/ws/moderator', location.href);
        url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
        url.searchParams.set('room', room);
        url.searchParams.set('view', 'dashboard');
        return url.href;
      },
      onMessage(msg) {
        if (msg.type !== 'room.status') return;
        bump();
        onRoomEvent();
      },
      onOpen: bump,
    });
    const timer = setInterval(bump, REFRESH_MS);
    return () => {
      clearInterval(timer);
      socket.close();
    };
  }, [room]);

  useEffect(() => {
    loadHealth(room).then(setHealth, onError);
  }, [room, tick]);

  return (
    <div class="room-view" data-room={room}>
      <div class="room-head">
        <h1>{room}</h1>
        <a class="button" href={`/moderator?room=${encodeURIComponent(room)}`} target="_blank" rel="noopener" data-action="open-panel">
          {t('room.open_panel')}
        </a>
      </div>
      <div class="cards">
        <ObsCard room={room} onError={onError} />
        <ModeratorsCard room={room} tick={tick} maxKeyTtl={maxKeyTtl} onError={onError} />
        <HealthCard health={health} />
        <AuditCard room={room} tick={tick} onError={onError} />
      </div>
    </div>
  );
}
