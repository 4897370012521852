/**
 * The media library: upload (drop or pick, with progress), browse with thumbnails, filter
 * and search, put a file on the scene at the centre, delete. File names are text nodes only:
 * the FastAPI version rendered them as HTML and got stored XSS.
 */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Item, ItemKind } from '../../src/protocol/scene.ts';
import { ApiError, sessionApi } from './api.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { cascadePosition, fitSize } from './geometry.ts';
import { errorText, t } from './i18n.ts';
import { randomId } from './random-id.ts';
import type { SceneClient } from './scene-client.ts';
import { uploadFile } from './upload.ts';
import { endLibraryDrag, startLibraryDrag } from './library-drag.ts';

interface LibraryFile {
  id: string;
  name: string;
  path: string;
  size: number;
  mime: string;
  created: string;
}

type Filter = 'all' | 'image' | 'video' | 'audio';
interface Transfer {
  key: number;
  name: string;
  progress: number;
  /** Bytes per second so far. */
  speed?: number;
  error?: string;
  done?: boolean;
  cancel?: () => void;
}

const kindOf = (mime: string): ItemKind | null => (mime.startsWith('image/') ? 'image' : mime.startsWith('video/') ? 'video' : mime.startsWith('audio/') ? 'audio' : null);

export function MediaLibrary({ client }: { client: SceneClient }) {
  const [files, setFiles] = useState<LibraryFile[]>([]);
  const [filter, setFilter] = useState<Filter>('all');
  const [query, setQuery] = useState('');
  const [transfers, setTransfers] = useState<Transfer[]>([]);
  const [inUse, setInUse] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [dropping, setDropping] = useState(false);
  /** Natural sizes seen by the thumbnails, so media lands on the scene in its own shape. */
  const sizes = useRef(new Map<string, { w: number; h: number }>());
  const seq = useRef(0);

  const load = () =>
    sessionApi<{ files: LibraryFile[] }>('/api/uploads').then(
      (res) => setFiles(res.files),
      (e: unknown) => setError(message(e)),
    );
  useEffect(() => void load(), []);

  const patchTransfer = (key: number, changes: Partial<Transfer>) => setTransfers((list) => list.map((x) => (x.key === key ? { ...x, ...changes } : x)));

  /** One at a time: parallel uploads would share the bandwidth and all finish late. */
  const upload = async (list: FileList | File[]) => {
    for (const file of Array.from(list)) {
      const key = ++seq.current;
      const abort = new AbortController();
      setTransfers((prev) => [...prev.filter((x) => !x.done), { key, name: file.name, progress: 0, cancel: () => abort.abort() }]);
      try {
        await uploadFile(file, (progress, speed) => patchTransfer(key, { progress, speed }), abort.signal);
        patchTransfer(key, { progress: 1, done: true, cancel: undefined });
        await load();
      } catch (e) {
        if (abort.signal.aborted) setTransfers((list) => list.filter((x) => x.key !== key));
        else patchTransfer(key, { error: message(e), cancel: undefined });
      }
    }
  };

  const remove = async (file: LibraryFile, force = false) => {
    try {
      await sessionApi(`/api/uploads/${encodeURIComponent(file.id)}${force ? '?force=1' : ''}`, { method: 'DELETE' });
      setInUse(({ [file.id]: _gone, ...rest }) => rest);
      await load();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'in_use') {
        const rooms = Array.isArray(e.details.rooms) ? e.details.rooms.map(String) : [];
        setInUse((prev) => ({ ...prev, [file.id]: rooms }));
      } else setError(message(e));
    }
  };

  /** `at`: a point dropped on the canvas (the item is centred there); else cascaded from the centre. */
  const addToScene = (file: LibraryFile, at?: { x: number; y: number }) => {
    const kind = kindOf(file.mime);
    if (!kind) return;
    const natural = sizes.current.get(file.id);
    const size = kind === 'audio' ? { w: 320, h: 80 } : natural ? fitSize(natural.w, natural.h) : { w: 640, h: 360 };
    const top = client.items.reduce((z, item) => Math.max(z, item.z), 0);
    const item: Item = {
      id: randomId(),
      kind,
      name: file.name.slice(0, 120),
      src: file.path,
      ...(at ? { x: Math.round(at.x - size.w / 2), y: Math.round(at.y - size.h / 2) } : cascadePosition(client.items, size.w, size.h)),
      w: size.w,
      h: size.h,
      z: top + 1,
      rotation: 0,
      opacity: 1,
      visible: true,
      locked: false,
      ...(kind === 'image' ? {} : { volume: 1, loop: kind === 'video', muted: false }),
    };
    client.add(item);
    client.select(item.id);
  };

  const onDrop = (e: JSX.TargetedDragEvent<HTMLElement>) => {
    e.preventDefault();
    setDropping(false);
    if (e.dataTransfer?.files.length && client.may('media.upload')) void upload(e.dataTransfer.files);
  };
  const onDragOver = (e: JSX.TargetedDragEvent<HTMLElement>) => {
    if (!e.dataTransfer?.types.includes('Files') || !client.may('media.upload')) return;
    e.preventDefault();
    setDropping(true);
  };

  const needle = query.trim().toLowerCase();
  const shown = files.filter((f) => (filter === 'all' || f.mime.startsWith(`${filter}/`)) && (!needle || f.name.toLowerCase().includes(needle)));

  return (
    <section class={`card media${dropping ? ' dropping' : ''}`} onDragOver={onDragOver} onDragLeave={() => setDropping(false)} onDrop={onDrop}>
      <header>
        <h2>{t('media.title')}</h2>
        <button type="button" class="small" onClick={() => void load()}>
          {t('media.refresh')}
        </button>
      </header>
      {client.may('media.upload') && (
        <label class="dropzone" data-upload>
          <span>{t('media.drop')} </span>
          <span class="link">{t('media.pick')}</span>
          <input
            type="file"
            multiple
            accept="image/png,image/jpeg,image/gif,image/webp,video/mp4,video/webm,audio/mpeg,audio/ogg,audio/wav"
            onChange={(e) => {
              const input = e.currentTarget;
              if (input.files?.length) void upload(Array.from(input.files));
              input.value = '';
            }}
          />
        </label>
      )}
      {transfers.map((x) => (
        <div key={x.key} class={`transfer${x.error ? ' failed' : ''}`} data-transfer={x.done ? 'done' : x.error ? 'failed' : 'running'}>
          <span class="transfer-head">
            <span class="transfer-name">{x.error ? t('media.failed', { name: x.name, message: x.error }) : t(x.done ? 'media.uploaded' : 'media.uploading', { name: x.name })}</span>
            {!x.error && !x.done && (
              <span class="muted" data-percent={Math.round(x.progress * 100)}>
                {Math.round(x.progress * 100)} %{x.speed ? ` · ${formatSize(x.speed)}${t('media.per_second')}` : ''}
              </span>
            )}
            {x.cancel && (
              <button type="button" class="small" data-action="cancel-upload" onClick={x.cancel}>
                {t('props.cancel')}
              </button>
            )}
            {(x.error || x.done) && (
              <button type="button" class="icon small" data-action="dismiss-upload" title={t('media.dismiss')} aria-label={t('media.dismiss')} onClick={() => setTransfers((list) => list.filter((y) => y.key !== x.key))}>
                ✕
              </button>
            )}
          </span>
          {!x.error && <progress max={1} value={x.progress} />}
        </div>
      ))}
      {error && <p class="error">{error}</p>}
      <div class="row">
        <input type="search" placeholder={t('media.search')} aria-label={t('media.search')} value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <select value={filter} aria-label={t('media.all')} onChange={(e) => setFilter(e.currentTarget.value as Filter)}>
          {(['all', 'image', 'video', 'audio'] as const).map((f) => (
            <option key={f} value={f}>
              {t(`media.${f}`)}
            </option>
          ))}
        </select>
      </div>
      {shown.length === 0 && <p class="muted">{t('media.empty')}</p>}
      <ul class="files">
        {shown.map((file) => (
          <li
            key={file.id}
            data-file={file.id}
            draggable={kindOf(file.mime) !== null && client.may('add')}
            onDragStart={(e) => startLibraryDrag(e, (at) => addToScene(file, at))}
            onDragEnd={endLibraryDrag}
          >
            <Thumb file={file} onSize={(w, h) => sizes.current.set(file.id, { w, h })} />
            <div class="file-info">
              <span class="name" title={file.name}>{file.name}</span>
              <span class="muted">{formatSize(file.size)}</span>
              <div class="row">
                {client.may('add') && (
                  <button type="button" class="small" data-action="add" onClick={() => addToScene(file)}>
                    {t('media.add')}
                  </button>
                )}
                {client.may('media.delete') && (
                  <ConfirmButton class="small danger" onConfirm={() => void remove(file)}>
                    {t('media.delete')}
                  </ConfirmButton>
                )}
              </div>
              {inUse[file.id] && (
                <p class="error">
                  {/* A moderator is not told other rooms' names (the server sends only its own). */}
                  {inUse[file.id]!.length > 0 ? t('media.in_use', { rooms: inUse[file.id]!.join(', ') }) : t('media.in_use_elsewhere')}{' '}
                  <button type="button" class="small danger" onClick={() => void remove(file, true)}>
                    {t('media.force')}
                  </button>
                </p>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Thumb({ file, onSize }: { file: LibraryFile; onSize(w: number, h: number): void }) {
  if (file.mime.startsWith('image/')) {
    return <img class="thumb" src={file.path} alt="" loading="lazy" onLoad={(e) => onSize(e.currentTarget.naturalWidth, e.currentTarget.naturalHeight)} />;
  }
  if (file.mime.startsWith('video/')) {
    // Metadata and the first frame only: a poster without downloading the whole video.
    return <video class="thumb" src={file.path} preload="metadata" muted playsInline onLoadedMetadata={(e) => onSize(e.currentTarget.videoWidth, e.currentTarget.videoHeight)} />;
  }
  return <span class="thumb icon">🔊</span>;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// Server refusals in the moderator's language (not the server's English with env var names).
const message = (e: unknown) => (e instanceof ApiError ? errorText(e.code, e.message) : e instanceof Error ? e.message : String(e));
