/** The room's OBS link: a fresh view token, copy, QR, the source settings, and rotation. */
import { useEffect, useState } from 'preact/hooks';
import { overlayUrl, rotateLinks } from './api.ts';
import { ConfirmAction, CopyButton } from './controls.tsx';
import { t } from './i18n.ts';
import { QrCode } from './qr-code.tsx';

export function ObsCard({ room, onError }: { room: string; onError(error: unknown): void }) {
  const [url, setUrl] = useState<string | null>(null);
  const [rotated, setRotated] = useState<number | null>(null);

  const load = () => overlayUrl(room).then(setUrl, onError);
  useEffect(() => {
    setUrl(null);
    setRotated(null);
    void load();
  }, [room]);

  const rotate = async () => {
    try {
      const result = await rotateLinks(room);
      setRotated(result.overlays_closed);
      await load();
    } catch (error) {
      onError(error);
    }
  };

  return (
    <section class="card" data-card="obs">
      <header>
        <h2>{t('obs.title')}</h2>
      </header>
      <p class="muted">{t('obs.lead')}</p>
      {url && (
        <div class="share">
          <QrCode text={url} label={t('obs.title')} />
          <div class="share-text">
            <input class="url" readOnly value={url} data-field="obs-url" onFocus={(e) => e.currentTarget.select()} />
            <div class="row">
              <CopyButton text={url} action="copy-obs-url">
                {t('obs.copy')}
              </CopyButton>
            </div>
            <ul class="hints">
              <li>{t('obs.hint_size')}</li>
              <li>{t('obs.hint_audio')}</li>
              <li>{t('obs.hint_refresh')}</li>
            </ul>
          </div>
        </div>
      )}
      {rotated !== null && (
        <p class="notice ok" role="status">
          {t('obs.rotated', { n: rotated })}
        </p>
      )}
      <ConfirmAction action="rotate-overlay-links" question={t('obs.rotate_confirm')} yes={t('obs.rotate_yes')} onConfirm={() => void rotate()}>
        {t('obs.rotate')}
      </ConfirmAction>
    </section>
  );
}
