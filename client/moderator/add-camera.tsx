/**
 * "Add camera": puts a live-video (`webrtc`) item on the canvas and shows the publisher link to
 * send to the guest who streams it — open it, or copy it (by hand when the clipboard is denied).
 */
import { useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { errorText, t } from './i18n.ts';
import { copyText, publisherLink } from './publisher-link.ts';

type LinkState = { url: string; copied: boolean | null } | { error: string } | null;

export function AddCamera({ room, onAdd }: { room: string; onAdd(): void }) {
  const [link, setLink] = useState<LinkState>(null);

  const add = async () => {
    onAdd();
    try {
      setLink({ url: await publisherLink(room), copied: null });
    } catch (e) {
      setLink({ error: e instanceof ApiError ? errorText(e.code, e.message) : String(e) });
    }
  };
  const copy = async (url: string) => setLink({ url, copied: await copyText(url) });

  return (
    <>
      <button type="button" data-action="add-camera" onClick={() => void add()}>
        + {t('tool.add_camera')}
      </button>
      {link && (
        <div class="camera-link" role="status" data-camera-link>
          {'error' in link ? (
            <span class="error">{link.error}</span>
          ) : (
            <>
              <span>{link.copied === false ? t('webrtc.copy_manual') : t('camera.send_link')}</span>
              <input readOnly value={link.url} data-publisher-link="camera" onFocus={(e) => e.currentTarget.select()} />
              <button type="button" class="small" data-action="copy-publisher-link" onClick={() => void copy(link.url)}>
                {link.copied ? t('camera.copied') : t('camera.copy')}
              </button>
              <a href={link.url} target="_blank" rel="noopener" data-action="open-publisher">
                {t('camera.open')}
              </a>
            </>
          )}
          <button type="button" class="small" onClick={() => setLink(null)}>
            {t('notice.close')}
          </button>
        </div>
      )}
    </>
  );
}
