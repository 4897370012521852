/** Pasting the streamer token once; the answer is a session cookie the page never sees. */
import { useSecretForm } from '../shared/secret-form.ts';
import { ApiError } from '../moderator/api.ts';
import { signInWithToken } from './api.ts';
import { t } from './i18n.ts';

export function SignIn({ onSignedIn, initialError }: { onSignedIn(): void; initialError?: string | null }) {
  const form = useSecretForm(async (token) => {
    await signInWithToken(token);
    onSignedIn();
  }, signInError, initialError);

  return (
    <main class="signin card">
      <h1>{t('signin.title')}</h1>
      <p class="muted">{t('signin.lead')}</p>
      <form onSubmit={form.submit}>
        <label class="field">
          <span>{t('signin.token')}</span>
          <input name="token" type="password" autoComplete="off" autoFocus value={form.value} onInput={(e) => form.setValue(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" data-action="login" disabled={!form.canSubmit}>
          {form.busy ? t('signin.checking') : t('signin.submit')}
        </button>
        {form.error && (
          <p class="error" role="alert" data-error>
            {form.error}
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
