import { readFile } from 'node:fs/promises';
import { join, extname } from 'node:path';
import type { AssetSource } from '../services.ts';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** Built client files from dist/client, read once and then served from memory. */
export function fileAssets(dir: string): AssetSource {
  const cache = new Map<string, Promise<{ body: Uint8Array; type: string } | null>>();
  return {
    get(name) {
      if (!/^[a-z0-9-]+\.(js|css|html)$/.test(name)) return Promise.resolve(null);
      let entry = cache.get(name);
      if (!entry) {
        entry = readFile(join(dir, name)).then(
          (body) => ({ body: new Uint8Array(body), type: TYPES[extname(name)] ?? 'application/octet-stream' }),
          () => {
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
