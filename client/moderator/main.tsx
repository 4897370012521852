/**
 * The moderator panel at /moderator. A `?key=` in the address is consumed at once and
 * removed from it (history, screenshots, a shared screen); otherwise the session cookie, if
 * still alive, skips the login.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { whenUnauthorized } from './api.ts';
import { lang as currentLang, setLang, t, type Lang } from './i18n.ts';
import { Login, Revoked, loginError } from './login.tsx';
import { StagedPanel } from './panel.tsx';
import { consumeKey, logout, whoAmI, type Me } from './session.ts';
import { applyTheme, savedTheme, type Theme } from './theme.ts';

type Phase = { name: 'checking' } | { name: 'login'; error?: string | null } | { name: 'revoked' } | { name: 'panel'; me: Me };

function takeKeyFromUrl(): string | null {
  const url = new URL(location.href);
  const key = url.searchParams.get('key');
  if (key === null) return null;
  url.searchParams.delete('key');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  return key;
}

async function startPhase(): Promise<Phase> {
  const key = takeKeyFromUrl();
  try {
    if (key) return { name: 'panel', me: await consumeKey(key) };
  } catch (error) {
    // A used key with a still-valid cookie (a reload of the link): the cookie wins.
    const me = await whoAmI().catch(() => null);
    return me ? { name: 'panel', me } : { name: 'login', error: loginError(error) };
  }
  try {
    const me = await whoAmI();
    return me ? { name: 'panel', me } : { name: 'login' };
  } catch (error) {
    return { name: 'login', error: t('error.generic', { message: String(error) }) };
  }
}

function Root() {
  const [phase, setPhase] = useState<Phase>({ name: 'checking' });
  const [theme, setThemeState] = useState<Theme>(savedTheme);
  const [lang, setLangState] = useState<Lang>(currentLang);

  useEffect(() => {
    whenUnauthorized(() => setPhase((p) => (p.name === 'panel' ? { name: 'revoked' } : p)));
    void startPhase().then(setPhase);
  }, []);
  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => {
    document.title = t('app.title');
  }, [lang]);

  const prefs = {
    theme,
    lang,
    setTheme: setThemeState,
    setLang(next: Lang) {
      setLang(next);
      setLangState(next);
    },
  };

  switch (phase.name) {
    case 'checking':
      return <main class="login card muted">{t('login.checking')}</main>;
    case 'login':
      return <Login initialError={phase.error} onLogin={(me) => setPhase({ name: 'panel', me })} />;
    case 'revoked':
      return <Revoked onAgain={() => setPhase({ name: 'login' })} />;
    case 'panel':
      return (
        <StagedPanel
          me={phase.me}
          prefs={prefs}
          onRevoked={() => setPhase({ name: 'revoked' })}
          onLogout={() => void logout().then(() => setPhase({ name: 'login' }))}
        />
      );
  }
}

setLang(currentLang());
render(<Root />, document.getElementById('app')!);
