/**
 * Add an image, video or audio item from a URL (the server accepts only origins listed in
 * MEDIA_ORIGINS and refuses the rest with a message the panel shows). The kind comes from the
 * file extension; anything unknown is tried as an image.
 */
import { useState } from 'preact/hooks';
import type { ItemKind } from '../../src/protocol/scene.ts';
import { t } from './i18n.ts';

export function kindFromUrl(url: string): ItemKind {
  const path = url.split(/[?#]/)[0]!.toLowerCase();
  if (/\.(mp4|webm|mov|m4v)$/.test(path)) return 'video';
  if (/\.(mp3|ogg|oga|wav|m4a|aac|opus)$/.test(path)) return 'audio';
  return 'image';
}

/** A link to this server's own media becomes a path, which every overlay resolves the same way. */
export function ownMediaPath(url: string, base = location.href): string {
  try {
    const parsed = new URL(url, base);
    return parsed.origin === new URL(base).origin ? `${parsed.pathname}${parsed.search}` : url;
  } catch {
    return url;
  }
}

export function AddByUrl({ onAdd }: { onAdd(kind: ItemKind, src: string): void }) {
  const [url, setUrl] = useState('');
  const valid = /^https?:\/\/\S+$/i.test(url.trim()) || /^\/(?!\/)\S+$/.test(url.trim());
  return (
    <form
      class="add-url"
      onSubmit={(e) => {
        e.preventDefault();
        if (!valid) return;
        onAdd(kindFromUrl(url.trim()), ownMediaPath(url.trim()));
        setUrl('');
      }}
    >
      <input type="url" name="media-url" placeholder={t('tool.url_placeholder')} aria-label={t('tool.add_url')} value={url} maxLength={2048} onInput={(e) => setUrl(e.currentTarget.value)} />
      <button type="submit" data-action="add-url" disabled={!valid}>
        + {t('tool.add_url')}
      </button>
    </form>
  );
}
