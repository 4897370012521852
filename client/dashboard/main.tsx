/**
 * The streamer dashboard at /dashboard. A `?login=` admin link (printed by `npm start`) is
 * redeemed at once and removed from the address bar; otherwise a live streamer cookie skips
 * the sign-in, and the token form is the fallback.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, whenUnauthorized } from '../moderator/api.ts';
import { LANGS, lang as currentLang, setLang, type Lang } from '../shared/i18n.ts';
import { createRoom, listRooms, signInWithLink, signOut, whoAmI, type Me, type RoomSummary } from './api.ts';
import { t } from './i18n.ts';
import { RoomList } from './rooms.tsx';
import { RoomView } from './room-view.tsx';
import { SignIn, signInError } from './sign-in.tsx';
import { DEFAULT_ROOM } from '../../src/protocol/constants.ts';

type Phase = { name: 'checking' } | { name: 'signin'; error?: string | null } | { name: 'dashboard'; me: Me };

function takeLoginFromUrl(): string | null {
  const url = new URL(location.href);
  const login = url.searchParams.get('login');
  if (login === null) return null;
  url.searchParams.delete('login');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  return login;
}

async function startPhase(): Promise<Phase> {
  const login = takeLoginFromUrl();
  let linkError: string | null = null;
  if (login) await signInWithLink(login).catch((error) => (linkError = signInError(error)));
  try {
    const me = await whoAmI();
    return me ? { name: 'dashboard', me } : { name: 'signin', error: linkError };
  } catch (error) {
    return { name: 'signin', error: t('error.generic', { message: String(error) }) };
  }
}

function Root() {
  const [phase, setPhase] = useState<Phase>({ name: 'checking' });
  const [, setLangState] = useState<Lang>(currentLang);

  const signedIn = () => void whoAmI().then((me) => setPhase(me ? { name: 'dashboard', me } : { name: 'signin' }));
  useEffect(() => {
    whenUnauthorized(() => setPhase((p) => (p.name === 'dashboard' ? { name: 'signin', error: t('signin.expired') } : p)));
    void startPhase().then(setPhase);
  }, []);
  useEffect(() => {
    document.title = t('app.title');
  });

  const chooseLang = (next: Lang) => {
    setLang(next);
    setLangState(next);
  };
  const langPicker = (
    <select aria-label={t('top.lang')} value={currentLang()} onChange={(e) => chooseLang(e.currentTarget.value as Lang)}>
      {Object.entries(LANGS).map(([code, name]) => (
        <option key={code} value={code}>
          {name}
        </option>
      ))}
    </select>
  );

  switch (phase.name) {
    case 'checking':
      return <main class="signin card muted">{t('signin.checking')}</main>;
    case 'signin':
      return (
        <>
          <div class="top-right">{langPicker}</div>
          <SignIn initialError={phase.error} onSignedIn={signedIn} />
        </>
      );
    case 'dashboard':
      return <Dashboard me={phase.me} langPicker={langPicker} onSignOut={(everywhere) => void signOut(everywhere).then(() => setPhase({ name: 'signin' }))} />;
  }
}

function Dashboard({ me, langPicker, onSignOut }: { me: Me; langPicker: preact.JSX.Element; onSignOut(everywhere: boolean): void }) {
  const [rooms, setRooms] = useState<RoomSummary[]>([]);
  const [selected, setSelected] = useState(() => new URLSearchParams(location.hash.slice(1)).get('room') ?? DEFAULT_ROOM);
  const [error, setError] = useState<string | null>(null);

  const onError = (err: unknown) => {
    if (err instanceof ApiError && err.status === 401) return;
    setError(t('error.generic', { message: err instanceof Error ? err.message : String(err) }));
  };
  const refreshRooms = () => listRooms().then(setRooms, onError);
  useEffect(() => {
    void refreshRooms();
    const timer = setInterval(refreshRooms, 5000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => history.replaceState(history.state, '', `#room=${encodeURIComponent(selected)}`), [selected]);

  const create = async (name: string) => {
    try {
      await createRoom(name);
      await refreshRooms();
      setSelected(name);
    } catch (err) {
      onError(err);
    }
  };

  const reach = me.reachability;
  return (
    <div class="dashboard">
      <header class="top-bar">
        <strong class="brand">{t('app.title')}</strong>
        <span class="spacer" />
        {langPicker}
        <button type="button" data-action="sign-out" onClick={() => onSignOut(false)}>
          {t('top.signout')}
        </button>
        <button type="button" class="danger" data-action="sign-out-everywhere" onClick={() => onSignOut(true)}>
          {t('top.signout_all')}
        </button>
      </header>
      {reach.loopback_only && !reach.public_base_url && (
        <div class="notice warn" data-reachability="loopback" role="note">
          <strong>{t('reach.loopback', { host: reach.listen_host })}</strong>
          <p>{t('reach.howto')}</p>
        </div>
      )}
      {reach.public_base_url && <div class="notice" data-reachability="public">{t('reach.public', { url: reach.public_base_url })}</div>}
      {error && (
        <div class="notice error" role="alert">
          <span>{error}</span>
          <button type="button" class="small" onClick={() => setError(null)}>
            ×
          </button>
        </div>
      )}
      <div class="layout">
        <RoomList rooms={withSelected(rooms, selected)} selected={selected} onSelect={setSelected} onCreate={create} />
        <RoomView key={selected} room={selected} maxKeyTtl={me.limits.moderator_key_ttl_seconds} onError={onError} onRoomEvent={() => void refreshRooms()} />
      </div>
    </div>
  );
}

/** The room being shown is listed even before anything is stored in it. */
function withSelected(rooms: RoomSummary[], selected: string): RoomSummary[] {
  if (rooms.some((r) => r.room === selected)) return rooms;
  return [{ room: selected, version: 0, overlays: 0, panels: 0, keys: 0, sessions: 0 }, ...rooms];
}

setLang(currentLang());
render(<Root />, document.getElementById('app')!);
