/**
 * Dev secrets on Node: the portable logic (src/access/generated-dev-secrets.ts) over one file in
 * DATA_DIR, written to a temp file first and renamed, so it is never left half-written.
 */
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { SECRETS_FILE, resolveSecrets as resolveWith } from '../access/generated-dev-secrets.ts';

export function resolveSecrets(config: Config, log: Logger) {
  const path = join(config.DATA_DIR, SECRETS_FILE);
  return resolveWith(config, log, {
    path,
    async read() {
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async write(text) {
      await mkdir(config.DATA_DIR, { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, path);
    },
  });
}
