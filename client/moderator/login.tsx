/** The one-time key form, and the screen for a session the streamer ended. */
import { useSecretForm } from '../shared/secret-form.ts';
import { ApiError } from './api.ts';
import { t } from './i18n.ts';
import { consumeKey, type Me } from './session.ts';

export function Login({ onLogin, initialError }: { onLogin(me: Me): void; initialError?: string | null }) {
  const form = useSecretForm(async (key) => onLogin(await consumeKey(key)), loginError, initialError);

  return (
    <main class="login card">
      <h1>{t('login.title')}</h1>
      <form onSubmit={form.submit}>
        <label class="field wide">
          <span>{t('login.key')}</span>
          <input name="key" autoComplete="off" autoFocus value={form.value} onInput={(e) => form.setValue(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" disabled={!form.canSubmit}>
          {form.busy ? t('login.checking') : t('login.submit')}
        </button>
        {form.error && <p class="error" role="alert">{form.error}</p>}
      </form>
    </main>
  );
}

export function loginError(err: unknown): string {
  if (err instanceof ApiError && err.code === 'invalid_or_expired_key') return t('login.bad_key');
  return t('login.failed', { message: err instanceof Error ? err.message : String(err) });
}

export function Revoked({ onAgain }: { onAgain(): void }) {
  return (
    <main class="login card revoked" data-revoked>
      <h1>{t('revoked.title')}</h1>
      <p>{t('revoked.text')}</p>
      <button type="button" class="primary" onClick={onAgain}>
        {t('revoked.again')}
      </button>
    </main>
  );
}
