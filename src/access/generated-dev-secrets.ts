/**
 * In development the streamer token and token secret may be left unset: we generate strong
 * ones once and keep them in DATA_DIR/secrets.json, so a restart does not log everyone out.
 * Portable: the edge supplies how to read and (atomically) write that one file.
 */
import type { Config, ResolvedConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { randomToken } from './secrets.ts';
import { secretWeakness } from './secret-strength.ts';

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
  const pick = (name: SecretName, differentFrom?: string) => {
    const given = config[name];
    if (given) return given;
    const stored = saved[name];
    const problem = stored === undefined ? null : savedSecretProblem(stored, differentFrom);
    if (stored !== undefined && problem === null) return stored as string;
    if (problem) log.warn('saved dev secret is unusable; generating a new one', { name, path: file.path, problem });
    generated.push(name);
    return randomToken();
  };
  const streamerToken = pick('STREAMER_API_TOKEN');
  const resolved = { ...config, STREAMER_API_TOKEN: streamerToken, TOKEN_SECRET: pick('TOKEN_SECRET', streamerToken) };
  if (generated.length > 0) {
    const next = { ...saved, ...Object.fromEntries(generated.map((name) => [name, resolved[name]])) };
    await file.write(JSON.stringify(next, null, 2));
  }
  return { config: resolved, generated };
}

/**
 * A saved value is used only when it is a secret we could have generated: a hand-edited,
 * truncated or mistyped file must not leave the dev server on a guessable token.
 */
function savedSecretProblem(value: unknown, differentFrom: string | undefined): string | null {
  if (typeof value !== 'string') return `not a string (${value === null ? 'null' : typeof value})`;
  if (!/^[\x21-\x7e]+$/.test(value)) return 'empty, or holds spaces or control characters';
  const weakness = secretWeakness(value);
  if (weakness) return `too weak: ${weakness}`;
  if (value === differentFrom) return 'the same as STREAMER_API_TOKEN';
  return null;
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
