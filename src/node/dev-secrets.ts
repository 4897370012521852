/**
 * In development the streamer token and token secret may be left unset: we generate strong
 * ones once, print them, and keep them in DATA_DIR so a restart does not log everyone out.
 */
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config, ResolvedConfig } from '../config.ts';
import type { Logger } from '../logger.ts';

const FILE = 'secrets.json';

export async function resolveSecrets(config: Config, log: Logger): Promise<{ config: ResolvedConfig; generated: string[] }> {
  if (config.STREAMER_API_TOKEN && config.TOKEN_SECRET) {
    return { config: config as ResolvedConfig, generated: [] };
  }
  const path = join(config.DATA_DIR, FILE);
  const saved = await readSaved(path, log);
  const generated: ('STREAMER_API_TOKEN' | 'TOKEN_SECRET')[] = [];
  const pick = (name: 'STREAMER_API_TOKEN' | 'TOKEN_SECRET') => {
    const value = config[name] ?? saved[name];
    if (value) return value;
    generated.push(name);
    return randomBytes(32).toString('base64url');
  };
  const resolved = { ...config, STREAMER_API_TOKEN: pick('STREAMER_API_TOKEN'), TOKEN_SECRET: pick('TOKEN_SECRET') };
  if (generated.length > 0) {
    await mkdir(config.DATA_DIR, { recursive: true });
    const next = { ...saved, ...Object.fromEntries(generated.map((name) => [name, resolved[name]])) };
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(next, null, 2), { mode: 0o600 });
    await rename(tmp, path);
  }
  return { config: resolved, generated };
}

async function readSaved(path: string, log: Logger): Promise<Partial<Record<'STREAMER_API_TOKEN' | 'TOKEN_SECRET', string>>> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('could not read saved dev secrets; generating new ones', { path });
    return {};
  }
}
