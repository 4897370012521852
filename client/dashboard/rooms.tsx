/** The room list (with live counts) and the "new room" form. */
import { useState } from 'preact/hooks';
import type { RoomSummary } from './api.ts';
import { t } from './i18n.ts';

/** The server's RoomId rule, checked here too so a typo is explained before any request. */
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function RoomList(props: { rooms: RoomSummary[]; selected: string; onSelect(room: string): void; onCreate(room: string): Promise<void> }) {
  const [name, setName] = useState('');
  const [invalid, setInvalid] = useState(false);

  const submit = (e: Event) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!ROOM_NAME.test(trimmed)) return setInvalid(true);
    setInvalid(false);
    void props.onCreate(trimmed).then(() => setName(''));
  };

  return (
    <nav class="card rooms" aria-label={t('rooms.title')}>
      <h2>{t('rooms.title')}</h2>
      {props.rooms.length === 0 && <p class="muted">{t('rooms.empty')}</p>}
      <ul>
        {props.rooms.map((room) => (
          <li key={room.room}>
            <button type="button" class={room.room === props.selected ? 'room-item selected' : 'room-item'} aria-current={room.room === props.selected} data-room-item={room.room} onClick={() => props.onSelect(room.room)}>
              <span class={`dot ${room.overlays > 0 ? 'ok' : ''}`} />
              <span class="grow">
                <strong>{room.room}</strong>
                <br />
                <span class="muted">{t('rooms.counts', { overlays: room.overlays, panels: room.panels })}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
      <form class="new-room" onSubmit={submit}>
        <label class="field">
          <span>{t('rooms.new')}</span>
          <input name="room" maxLength={64} placeholder={t('rooms.new_name')} value={name} aria-invalid={invalid} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit" data-action="new-room">
          {t('rooms.create')}
        </button>
        {invalid && (
          <p class="error" role="alert">
            {t('rooms.bad_name')}
          </p>
        )}
      </form>
    </nav>
  );
}
