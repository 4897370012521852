/**
 * Where a scene's media may come from: this server's own paths, or an origin the streamer
 * listed (MEDIA_ORIGINS). The scene schema checks a src's shape and is the same everywhere;
 * the list is server configuration, so it is passed in by whoever commits the item.
 */
import type { Item } from './scene.ts';

/** `https://cdn.example:8443`-style origins; anything else is not an origin. */
export function parseOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** Why `src` may not be shown, or null when it may: paths are same-origin, URLs need a listed origin. */
export function mediaSrcRefusal(src: string, allowedOrigins: readonly string[]): string | null {
  if (src === '' || (src.startsWith('/') && !src.startsWith('//'))) return null;
  let origin: string;
  try {
    origin = new URL(src).origin;
  } catch {
    return 'src is not a valid URL';
  }
  if (allowedOrigins.includes(origin)) return null;
  return `src: ${origin} is not an allowed media origin; use a file from this server (/uploads/…) or ask the streamer to list the origin in MEDIA_ORIGINS`;
}

/** The same check for a whole item, as the room runs it before committing. */
export function itemMediaRefusal(item: Item, allowedOrigins: readonly string[]): string | null {
  return item.src === undefined ? null : mediaSrcRefusal(item.src, allowedOrigins);
}

/**
 * The origins a server allows: MEDIA_ORIGINS plus its own public origin (scenes may hold
 * absolute PUBLIC_BASE_URL links to its uploads). Relative paths are always allowed.
 */
export function allowedMediaOrigins(config: { MEDIA_ORIGINS: readonly string[]; PUBLIC_BASE_URL: string }): string[] {
  const own = config.PUBLIC_BASE_URL ? parseOrigin(new URL(config.PUBLIC_BASE_URL).origin) : null;
  return [...new Set([...config.MEDIA_ORIGINS, ...(own ? [own] : [])])];
}
