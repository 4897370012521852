/**
 * Live WebRTC video in the overlay: scene items of kind `webrtc` (through the renderer's
 * renderWebrtc hook) and the FastAPI version's preview mode, /preview?webrtc_room=R&webrtc_token=T.
 * The viewer itself is a separate bundle loaded on first use, so an overlay without live
 * video never downloads it. The <video> element lives as long as the item does: a moved,
 * restyled or re-tokened item keeps its element and its connection.
 */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Item } from '../../src/protocol/scene.ts';
import type { WebrtcViewer } from '../shared/webrtc-viewer.ts';
import { keepPlaying, type Autoplay } from '../shared/autoplay.ts';
import { DEFAULT_ROOM } from '../../src/protocol/constants.ts';

type ViewerModule = typeof import('../shared/webrtc-viewer.ts');

const params = new URLSearchParams(location.search);
const overlayRoom = params.get('room') || DEFAULT_ROOM;
const viewToken = params.get('token') ?? undefined;

let viewerModule: Promise<ViewerModule> | null = null;
/** A computed specifier, so esbuild leaves this import to the browser instead of inlining it. */
const loadViewer = () => (viewerModule ??= import(new URL('/assets/webrtc-viewer.js', location.href).href) as Promise<ViewerModule>);

interface WebrtcVideoProps {
  room: string;
  token?: string;
  muted: boolean;
  volume: number;
  relayOnly?: boolean;
}

export function WebrtcVideo({ room, token, muted, volume, relayOnly }: WebrtcVideoProps) {
  const ref = useRef<HTMLVideoElement>(null);
  const viewer = useRef<WebrtcViewer | null>(null);
  const autoplay = useRef<Autoplay | null>(null);
  const latestToken = useRef(token);
  latestToken.current = token;
  // Nothing is drawn until a publisher's frames play: an idle item must not be a black box on stream.
  const [live, setLive] = useState(false);

  useEffect(() => {
    const player = keepPlaying(ref.current!, muted);
    autoplay.current = player;
    return () => player.stop();
  }, []);

  // Only a different room restarts the viewer, and even then on the same element.
  useEffect(() => {
    let cancelled = false;
    void loadViewer().then(
      (mod) => {
        if (cancelled) return;
        viewer.current = mod.startViewer({
          video: ref.current!,
          room,
          token: latestToken.current,
          // The overlay's view token can renew a viewer token for its own room only.
          viewToken: room === overlayRoom ? viewToken : undefined,
          relayOnly,
          onStatus: (status) => setLive((was) => status === 'playing' || (status === 'recovering' && was)),
        });
      },
      (error: unknown) => console.warn('webrtc viewer failed to load', error),
    );
    return () => {
      cancelled = true;
      viewer.current?.stop();
      viewer.current = null;
    };
  }, [room]);

  useEffect(() => {
    if (token) viewer.current?.setToken(token);
  }, [token]);

  useEffect(() => {
    ref.current!.volume = Math.min(1, Math.max(0, volume));
    autoplay.current?.setMuted(muted);
  }, [muted, volume]);

  return <video ref={ref} class="webrtc-video" data-live={live ? '1' : '0'} autoplay playsInline disablePictureInPicture style={{ ...fill, visibility: live ? 'visible' : 'hidden' }} />;
}

const fill = { display: 'block', width: '100%', height: '100%', objectFit: 'contain' } as const;

/** The renderer's hook for `webrtc` items; the item's room defaults to the overlay's. */
export const renderWebrtc = (item: Item) => (
  <WebrtcVideo room={item.webrtcRoom ?? overlayRoom} token={item.webrtcToken} muted={item.muted ?? false} volume={item.volume ?? 1} />
);

/** Preview mode: the room's video fills the window behind the scene. */
export function startWebrtcPreview(): void {
  const room = params.get('webrtc_room');
  if (!room) return;
  const host = document.createElement('div');
  host.id = 'webrtc-preview';
  host.style.cssText = 'position:fixed;inset:0;z-index:-1;background:#000';
  document.body.prepend(host);
  render(
    <WebrtcVideo
      room={room}
      token={params.get('webrtc_token') ?? undefined}
      muted={params.get('muted') === '1'}
      volume={1}
      relayOnly={params.get('webrtc_relay') === '1'}
    />,
    host,
  );
}
