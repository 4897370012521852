/**
 * Uploaded fonts: a text item whose fontFamily is a media-library path (`/uploads/<sha>.woff2`)
 * gets that file as an @font-face, through the FontFace API so no CSS text is ever built from
 * scene data. Each file is loaded once per page; its family name derives from the hash.
 */
import { UPLOADED_FONT } from '../../src/protocol/style-options.ts';

const loading = new Map<string, Promise<void>>();
const ready = new Set<string>();

/**
 * The CSS font-family to use for an item's `fontFamily`, starting the download if needed;
 * `onLoaded` is called once when a font that was not ready yet becomes ready.
 */
export function fontFamilyFor(fontFamily: string | undefined, onLoaded?: () => void): string {
  if (!fontFamily) return 'sans-serif';
  const match = UPLOADED_FONT.exec(fontFamily);
  if (!match) return fontFamily;
  const family = `upload-${match[1]!.slice(0, 16)}`;
  if (!loading.has(family) && typeof FontFace === 'function') {
    const face = new FontFace(family, `url(${fontFamily})`, { display: 'block' });
    loading.set(
      family,
      face.load().then(
        () => {
          document.fonts.add(face);
          ready.add(family);
        },
        (error: unknown) => console.warn('font failed to load', fontFamily, error),
      ),
    );
  }
  if (!ready.has(family) && onLoaded) void loading.get(family)?.then(() => ready.has(family) && onLoaded());
  return `"${family}", sans-serif`;
}
