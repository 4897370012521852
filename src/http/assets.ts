/**
 * Built client files (dist/client), read once and then served from memory. Portable: the
 * edge supplies how to read a file by name (node:fs on Node, Deno.readFile on Deno).
 */
import type { AssetSource } from '../services.ts';

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
};
/** Flat names only, so no request can reach outside the bundle directory. */
const NAME = /^[a-z0-9-]+\.(js|css|html)$/;

export function cachedAssets(read: (name: string) => Promise<Uint8Array>): AssetSource {
  const cache = new Map<string, Promise<{ body: Uint8Array; type: string } | null>>();
  return {
    get(name) {
      const ext = NAME.exec(name)?.[1];
      if (!ext) return Promise.resolve(null);
      let entry = cache.get(name);
      if (!entry) {
        entry = read(name).then(
          (body) => ({ body, type: TYPES[ext]! }),
          () => {
            // Not cached: the file may appear with the next build.
            cache.delete(name);
            return null;
          },
        );
        cache.set(name, entry);
      }
      return entry;
    },
  };
}
