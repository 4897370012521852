/** Small controls the dashboard's cards share: copy with feedback, and an inline confirm. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { t } from './i18n.ts';

/** The clipboard API needs a secure context; a LAN address over http falls back to execCommand. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function CopyButton({ text, action, children }: { text: string; action: string; children: ComponentChildren }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    setState((await copyText(text)) ? 'copied' : 'failed');
    setTimeout(() => setState('idle'), 2000);
  };
  return (
    <button type="button" class="primary" data-action={action} onClick={copy}>
      {state === 'copied' ? t('copy.copied') : state === 'failed' ? t('obs.copy_failed') : children}
    </button>
  );
}

/** A destructive action that says what it will do and asks once, inline. */
export function ConfirmAction(props: { action: string; question: string; yes: string; onConfirm(): void; children: ComponentChildren; class?: string }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class={props.class ?? 'danger'} data-action={props.action} onClick={() => setAsking(true)}>
        {props.children}
      </button>
    );
  }
  return (
    <div class="confirm" role="alertdialog">
      <p>{props.question}</p>
      <div class="row">
        <button
          type="button"
          class="danger solid"
          data-confirm="yes"
          onClick={() => {
            setAsking(false);
            props.onConfirm();
          }}
        >
          {props.yes}
        </button>
        <button type="button" onClick={() => setAsking(false)}>
          {t('cancel')}
        </button>
      </div>
    </div>
  );
}

export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const date = new Date(value);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString(document.documentElement.lang || undefined) : date.toLocaleString(document.documentElement.lang || undefined);
}
