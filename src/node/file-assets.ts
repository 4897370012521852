import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssetSource } from '../services.ts';
import { cachedAssets } from '../http/assets.ts';

/** Built client files from dist/client, read once and then served from memory. */
export function fileAssets(dir: string): AssetSource {
  return cachedAssets(async (name) => new Uint8Array(await readFile(join(dir, name))));
}
