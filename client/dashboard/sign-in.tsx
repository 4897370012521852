/** Pasting the streamer token once; the answer is a session cookie the page never sees. */
import { useState } from 'preact/hooks';
import { ApiError } from '../moderator/api.ts';
import { signInWithToken } from './api.ts';
import { t } from './i18n.ts';

export function SignIn({ onSignedIn, initialError }: { onSignedIn(): void; initialError?: string | null }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(initialError ?? null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await signInWithToken(token.trim());
      setToken('');
      onSignedIn();
    } catch (err) {
      setError(signInError(err));
    }
    setBusy(false);
  };

  return (
    <main class="signin card">
      <h1>{t('signin.title')}</h1>
      <p class="muted">{t('signin.lead')}</p>
      <form onSubmit={submit}>
        <label class="field">
          <span>{t('signin.token')}</span>
          <input name="token" type="password" autoComplete="off" autoFocus value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" data-action="login" disabled={busy || !token.trim()}>
          {busy ? t('signin.checking') : t('signin.submit')}
        </button>
        {error && (
          <p class="error" role="alert" data-error>
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

export function signInError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'rate_limited') return t('signin.rate_limited', { seconds: (err as ApiError & { retryAfter?: number }).retryAfter ?? 60 });
    if (err.code === 'invalid_streamer_token') return t('signin.bad_token');
    if (err.code === 'invalid_admin_link') return t('signin.bad_link');
  }
  return t('signin.failed', { message: err instanceof Error ? err.message : String(err) });
}
