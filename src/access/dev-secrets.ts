/**
 * In development the streamer token and token secret may be left unset: we generate strong
 * ones once and keep them in DATA_DIR/secrets.json, so a restart does not log everyone out.
 * Portable: the edge supplies how to read and (atomically) write that one file.
 */
import type { Config, ResolvedConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { randomToken } from './secrets.ts';

export const SECRETS_FILE = 'secrets.json';

type SecretName = 'STREAMER_API_TOKEN' | 'TOKEN_SECRET';

export interface SecretsFile {
  /** Where the file lives, for messages. */
  readonly path: string;
  /** The file's text, or null when it does not exist; throws on any other failure. */
  read(): Promise<string | null>;
  /** Replace the file atomically, readable by its owner only. */
  write(text: string): Promise<void>;
}

export async function resolveSecrets(config: Config, log: Logger, file: SecretsFile): Promise<{ config: ResolvedConfig; generated: SecretName[] }> {
  if (config.STREAMER_API_TOKEN && config.TOKEN_SECRET) {
    return { config: config as ResolvedConfig, generated: [] };
  }
  const saved = await readSaved(file, log);
  const generated: SecretName[] = [];
  const pick = (name: SecretName) => {
    const value = config[name] ?? saved[name];
    if (typeof value === 'string' && value) return value;
    generated.push(name);
    return randomToken();
  };
  const resolved = { ...config, STREAMER_API_TOKEN: pick('STREAMER_API_TOKEN'), TOKEN_SECRET: pick('TOKEN_SECRET') };
  if (generated.length > 0) {
    const next = { ...saved, ...Object.fromEntries(generated.map((name) => [name, resolved[name]])) };
    await file.write(JSON.stringify(next, null, 2));
  }
  return { config: resolved, generated };
}

async function readSaved(file: SecretsFile, log: Logger): Promise<Record<string, unknown>> {
  try {
    const text = await file.read();
    const parsed: unknown = text === null ? {} : JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Unreadable or not JSON: fall through.
  }
  log.warn('could not read saved dev secrets; generating new ones', { path: file.path });
  return {};
}
