/**
 * Uploaded fonts: a text item whose fontFamily is a media-library path (`/uploads/<sha>.woff2`)
 * gets that file as an @font-face, through the FontFace API so no CSS text is ever built from
 * scene data. Each file is loaded once per page; its family name derives from the hash.
 */
import { UPLOADED_FONT } from '../../src/protocol/style-options.ts';

const loaded = new Map<string, Promise<void>>();

/** The CSS font-family to use for an item's `fontFamily`, starting the download if needed. */
export function fontFamilyFor(fontFamily: string | undefined, onLoaded?: () => void): string {
  if (!fontFamily) return 'sans-serif';
  const match = UPLOADED_FONT.exec(fontFamily);
  if (!match) return fontFamily;
  const family = `upload-${match[1]!.slice(0, 16)}`;
  if (!loaded.has(family) && typeof FontFace === 'function') {
    const face = new FontFace(family, `url(${fontFamily})`, { display: 'block' });
    loaded.set(
      family,
      face.load().then(
        () => void document.fonts.add(face),
        (error: unknown) => console.warn('font failed to load', fontFamily, error),
      ),
    );
  }
  void loaded.get(family)?.then(onLoaded);
  return `"${family}", sans-serif`;
}
