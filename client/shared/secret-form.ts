/**
 * The state of a form that trades one pasted secret (a moderator key, the streamer token) for
 * a session: the field, "checking…" while the request runs, and the refusal in words. After a
 * success the field is emptied, so the secret does not linger in the page.
 */
import { useState } from 'preact/hooks';

export function useSecretForm(send: (secret: string) => Promise<void>, describe: (error: unknown) => string, initialError?: string | null) {
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(initialError ?? null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const secret = value.trim();
    if (!secret) return;
    setBusy(true);
    setError(null);
    try {
      await send(secret);
      setValue('');
    } catch (err) {
      setError(describe(err));
    }
    setBusy(false);
  };

  return { value, setValue, busy, error, submit, canSubmit: !busy && value.trim() !== '' };
}
