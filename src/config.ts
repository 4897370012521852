/**
 * Every setting the service reads, parsed once at start by one schema. A bad value stops the
 * process with a message naming the variable. Names follow the FastAPI version's .env.
 */
import * as v from 'valibot';
import { DEFAULT_MAX_VIEWERS_PER_ADDRESS, MAX_VIEWERS_PER_ROOM } from './protocol/signaling.ts';
import { parseOrigin } from './protocol/media-origins.ts';
import { MIN_SECRET_LENGTH, SECRET_RULE, secretWeakness } from './access/secret-strength.ts';

const bool = (fallback: boolean) =>
  v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.toLowerCase(),
      v.picklist(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''], 'must be true or false'),
      v.transform((s) => (s === '' ? fallback : ['true', '1', 'yes', 'on'].includes(s))),
    ),
    String(fallback),
  );

const int = (fallback: number, min: number, max: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.regex(/^\d+$/, 'must be a whole number'),
      v.transform(Number),
      v.minValue(min, `must be at least ${min}`),
      v.maxValue(max, `must be at most ${max}`),
    ),
    String(fallback),
  );

const optionalText = v.optional(v.pipe(v.string(), v.trim(), v.transform((s) => (s === '' ? undefined : s))));
const list = v.optional(
  v.pipe(v.string(), v.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))),
  '',
);

export const ConfigSchema = v.object({
  NODE_ENV: v.optional(v.picklist(['development', 'production', 'test'], 'must be development, production or test'), 'development'),
  HOST: v.optional(v.pipe(v.string(), v.minLength(1)), '127.0.0.1'),
  PORT: int(13337, 0, 65535),
  PUBLIC_BASE_URL: v.optional(
    v.pipe(v.string(), v.trim(), v.transform((s) => s.replace(/\/+$/, '')), v.check((s) => s === '' || /^https?:\/\/[^/]+(\/.*)?$/.test(s), 'must be an http(s) URL')),
    '',
  ),
  REDIS_URL: optionalText,
  /**
   * This process's name in /api/health, metrics and logs, so several instances on one Redis can
   * be told apart. Unset = hostname-pid (the edge fills it in; the core cannot read either).
   */
  INSTANCE_ID: v.optional(
    v.pipe(v.string(), v.trim(), v.check((s) => s === '' || /^[A-Za-z0-9._:-]{1,128}$/.test(s), 'may hold only letters, digits and . _ : - (at most 128)'), v.transform((s) => (s === '' ? undefined : s))),
  ),
  /** Namespaces every key, so several deployments (or test runs) can share one Redis. */
  REDIS_KEY_PREFIX: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9:_-]{1,64}$/, 'may hold only letters, digits and : _ -')), 'so:'),
  STREAMER_API_TOKEN: optionalText,
  TOKEN_SECRET: optionalText,
  MODERATOR_KEY_TTL_SECONDS: int(600, 1, 7 * 24 * 3600),
  MODERATOR_SESSION_TTL_SECONDS: int(3600, 1, 30 * 24 * 3600),
  MODERATOR_SESSION_MAX_SECONDS: int(24 * 3600, 60, 90 * 24 * 3600),
  ENABLE_STRICT_ORIGIN: bool(false),
  /** Let control endpoints that change state answer GET too (for button tools that only GET); see docs/control.md. */
  CONTROL_ALLOW_GET: bool(false),
  ALLOWED_ORIGINS: list,
  TRUSTED_PROXIES: list,
  /**
   * Rooms whose overlay socket and GET /api/scene need no view token, for OBS sources set up
   * with the FastAPI version's bare URL. Read-only; empty = every overlay needs a token.
   */
  PUBLIC_OVERLAY_ROOMS: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
      v.check((rooms) => rooms.every((room) => /^[A-Za-z0-9_-]{1,64}$/.test(room)), 'must be room names (letters, digits, _ and -), comma-separated'),
    ),
    '',
  ),
  LOG_LEVEL: v.optional(v.picklist(['debug', 'info', 'warn', 'error', 'silent'], 'must be debug, info, warn, error or silent'), 'info'),
  DATA_DIR: v.optional(v.pipe(v.string(), v.minLength(1)), './data'),
  /** Embedded store on Node: a scene-journal segment past this is compacted into the snapshots (bounds replay at a restart). */
  DATA_JOURNAL_SEGMENT_KB: int(4096, 1, 1_048_576),
  UPLOAD_DIR: v.optional(v.pipe(v.string(), v.minLength(1)), './uploads'),
  MAX_UPLOAD_MB: int(200, 1, 10_000),
  /** Total size the media library (UPLOAD_DIR) may hold; an upload that would pass it is refused (507). */
  UPLOAD_QUOTA_MB: int(10_240, 1, 100_000_000),
  /**
   * Comma-separated origins (https://cdn.example) scene media may come from besides this server;
   * empty = this server only. The CSP's img-src / media-src list the same origins.
   */
  MEDIA_ORIGINS: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
      v.check((list) => list.every((x) => parseOrigin(x) !== null), 'must be http(s) origins like https://cdn.example.com, without a path'),
      v.transform((list) => [...new Set(list.map((x) => parseOrigin(x)!))]),
    ),
    '',
  ),
  /** `browser`: overlays speak with speechSynthesis. `espeak`: the server also makes audio (OBS often has no voices). */
  TTS_ENGINE: v.optional(v.picklist(['browser', 'espeak'], 'must be browser or espeak'), 'browser'),
  ESPEAK_BINARY: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1)), 'espeak-ng'),
  WS_MAX_PAYLOAD_KB: int(256, 16, 16_384),
  /** Open WebSockets one client address may hold (all kinds together); generous, since many viewers may share a NAT. */
  WS_MAX_SOCKETS_PER_ADDRESS: int(200, 1, 100_000),
  /** Node only: a connection must have sent its request headers within this, or it is closed (slowloris). */
  HTTP_HEADERS_TIMEOUT_SECONDS: int(15, 1, 600),
  /** Node only: a whole request, body included, must arrive within this; it must outlast the slowest upload. */
  HTTP_REQUEST_TIMEOUT_SECONDS: int(900, 1, 24 * 3600),
  /** Node only: an idle keep-alive connection is closed after this (keep it above a proxy's own idle timeout). */
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: int(5, 1, 600),
  /** Comma-separated STUN URLs for /api/webrtc/config; empty = none (LAN or TURN only). */
  WEBRTC_STUN_URL: v.optional(v.pipe(v.string(), v.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)), v.check((urls) => urls.every((u) => /^stuns?:/.test(u)), 'must be stun: URLs')), 'stun:stun.l.google.com:19302'),
  /** Comma-separated TURN URLs, e.g. turn:turn.example.com:3478?transport=udp,turn:…?transport=tcp. */
  WEBRTC_TURN_URL: v.optional(v.pipe(v.string(), v.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)), v.check((urls) => urls.every((u) => /^turns?:/.test(u)), 'must be turn: or turns: URLs')), ''),
  /** coturn's static-auth-secret: TURN REST credentials are derived from it per request. */
  WEBRTC_TURN_SECRET: optionalText,
  /** The FastAPI version's static TURN account, used only when no WEBRTC_TURN_SECRET is set. */
  WEBRTC_TURN_USERNAME: optionalText,
  WEBRTC_TURN_CREDENTIAL: optionalText,
  /** How long a TURN REST credential lasts; clients fetch fresh ones before it ends. */
  WEBRTC_TURN_TTL_SECONDS: int(6 * 3600, 60, 7 * 24 * 3600),
  /** WebRTC tokens: the default and the cap for the `ttl` a caller asks for. */
  WEBRTC_TOKEN_TTL_SECONDS: int(300, 2, 24 * 3600),
  WEBRTC_TOKEN_MAX_TTL_SECONDS: int(24 * 3600, 2, 7 * 24 * 3600),
  /** Viewer sockets one client address may hold in a room (OBS with several sources, or a NAT). */
  WEBRTC_MAX_VIEWERS_PER_ADDRESS: int(DEFAULT_MAX_VIEWERS_PER_ADDRESS, 1, MAX_VIEWERS_PER_ROOM),
  /** The Janus SFU's WebSocket API (ws://janus:8188); unset = peer-to-peer WebRTC, as before. */
  JANUS_URL: v.optional(v.pipe(v.string(), v.trim(), v.check((s) => s === '' || /^wss?:\/\/[^/\s]+(\/\S*)?$/.test(s), 'must be a ws:// or wss:// URL'), v.transform((s) => (s === '' ? undefined : s)))),
  /** Janus's token_auth_secret: our server signs a core token for every Janus request with it. */
  JANUS_TOKEN_SECRET: optionalText,
  /** The VideoRoom plugin's admin_key: only holders may create rooms on that Janus. */
  JANUS_ADMIN_KEY: optionalText,
});

export type Config = v.InferOutput<typeof ConfigSchema>;

const PLACEHOLDERS = new Set(['change-me', 'changeme', 'replace-me', 'secret']);

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parse the environment; throws ConfigError naming the first bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const relevant = Object.fromEntries(
    Object.keys(ConfigSchema.entries).filter((key) => env[key] !== undefined).map((key) => [key, env[key]]),
  );
  const result = v.safeParse(ConfigSchema, relevant);
  if (!result.success) {
    const issue = result.issues[0]!;
    const name = v.getDotPath(issue) ?? 'environment';
    throw new ConfigError(`${name}: ${issue.message} (got ${JSON.stringify(env[name] ?? null)})`);
  }
  const config = result.output;
  const production = config.NODE_ENV === 'production';
  for (const name of ['STREAMER_API_TOKEN', 'TOKEN_SECRET', 'WEBRTC_TURN_SECRET'] as const) {
    const value = config[name];
    if (value === undefined) {
      if (production && name !== 'WEBRTC_TURN_SECRET') throw new ConfigError(`${name}: required when NODE_ENV=production (e.g. openssl rand -hex 32)`);
      continue;
    }
    if (PLACEHOLDERS.has(value.toLowerCase())) {
      throw new ConfigError(`${name}: still the placeholder "${value}"; set a real secret (e.g. openssl rand -hex 32)`);
    }
    if (value.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(`${name}: must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`);
    }
    // Development keeps working with short test values; production must not run on a guessable one.
    const weakness = production ? secretWeakness(value) : null;
    if (weakness) throw new ConfigError(`${name}: too weak for NODE_ENV=production, ${weakness}; it needs ${SECRET_RULE}`);
  }
  if (config.HTTP_REQUEST_TIMEOUT_SECONDS < config.HTTP_HEADERS_TIMEOUT_SECONDS) {
    throw new ConfigError(`HTTP_REQUEST_TIMEOUT_SECONDS: must be at least HTTP_HEADERS_TIMEOUT_SECONDS (${config.HTTP_HEADERS_TIMEOUT_SECONDS})`);
  }
  if (config.STREAMER_API_TOKEN !== undefined && config.STREAMER_API_TOKEN === config.TOKEN_SECRET) {
    // Whoever holds the streamer token could then sign view and WebRTC tokens offline.
    throw new ConfigError('TOKEN_SECRET: must differ from STREAMER_API_TOKEN (generate each with openssl rand -hex 32)');
  }
  for (const name of ['JANUS_TOKEN_SECRET', 'JANUS_ADMIN_KEY'] as const) {
    const value = config[name];
    if (value !== undefined && (PLACEHOLDERS.has(value.toLowerCase()) || value.length < MIN_SECRET_LENGTH)) {
      throw new ConfigError(`${name}: must be a real secret of at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`);
    }
    if (value === undefined && config.JANUS_URL !== undefined && config.NODE_ENV === 'production') {
      throw new ConfigError(`${name}: required with JANUS_URL when NODE_ENV=production (the same value as the janus service's)`);
    }
  }
  return config;
}

/** Secrets are optional in the schema only until the edge has generated or loaded them. */
export type ResolvedConfig = Config & { STREAMER_API_TOKEN: string; TOKEN_SECRET: string };
