/** A destructive button that asks once, inline (a native confirm() would block the socket's page). */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { t } from './i18n.ts';

export function ConfirmButton({ onConfirm, children, title, class: className }: { onConfirm(): void; children: ComponentChildren; title?: string; class?: string }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class={className} title={title} onClick={() => setAsking(true)}>
        {children}
      </button>
    );
  }
  return (
    <span class="confirm">
      <span>{t('confirm.sure')}</span>
      <button
        type="button"
        class="danger"
        data-confirm="yes"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {t('confirm.yes')}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        {t('confirm.no')}
      </button>
    </span>
  );
}
