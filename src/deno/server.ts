/**
 * The Deno edge: the same portable core as src/node/server.ts, served by Deno.serve with
 * hono/deno's WebSockets. The embedded store persists with Deno's file APIs. Three pieces of
 * the Node edge run here unchanged through Deno's Node compatibility rather than being
 * written twice: RedisStore (ioredis), the upload storage and the espeak-ng engine.
 */
import { getConnInfo } from 'hono/deno';
import { ConfigError, parseConfig, type ResolvedConfig } from '../config.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createApp } from '../app.ts';
import { createServices, instanceIdFrom, listenUrl } from '../create-services.ts';
import type { Store } from '../store/store.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { cachedAssets } from '../http/assets.ts';
import { SECRETS_FILE, resolveSecrets } from '../access/generated-dev-secrets.ts';
import type { RunningServer } from '../node/server.ts';
import { fileUploadStorage } from '../node/file-upload-storage.ts';
import { espeakEngine } from '../node/espeak-engine.ts';
import { DenoFilePersistence } from './file-persistence.ts';
import { readTextIfExists, writeAtomically } from './write-atomically.ts';
import { denoWebSockets } from './websockets.ts';

export const CLIENT_DIST = new URL('../../dist/client/', import.meta.url);

export async function startServer(env: Record<string, string | undefined> = Deno.env.toObject(), log?: Logger): Promise<RunningServer> {
  const parsed = parseConfig(env);
  const logger = log ?? createLogger(parsed.LOG_LEVEL);
  const secretsPath = `${parsed.DATA_DIR}/${SECRETS_FILE}`;
  const { config, generated } = await resolveSecrets(parsed, logger, {
    path: secretsPath,
    read: () => readTextIfExists(secretsPath),
    write: (text) => writeAtomically(parsed.DATA_DIR, SECRETS_FILE, text, 0o600),
  });
  const store = await openStore(config, logger);
  const sockets = denoWebSockets(config.WS_MAX_PAYLOAD_KB * 1024);

  // No eventLoopDelay: Deno's node:perf_hooks histogram does not measure what Node's does.
  // Deno.hostname() needs --allow-sys, which scripts/start-deno.ts does not grant; $HOSTNAME does.
  const instanceId = instanceIdFrom(config, Deno.env.get('HOSTNAME') ?? 'deno', Deno.pid);
  const services = createServices({
    config,
    instanceId,
    store,
    log: logger,
    assets: cachedAssets((name) => Deno.readFile(new URL(name, CLIENT_DIST))),
    uploads: await fileUploadStorage(config.UPLOAD_DIR, logger),
    tts: config.TTS_ENGINE === 'espeak' ? espeakEngine({ binary: runnable(config.ESPEAK_BINARY), outputDir: config.UPLOAD_DIR, log: logger }) : undefined,
    upgradeWebSocket: sockets.upgradeWebSocket,
    peerAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
  });
  const app = createApp(services);

  // Binds synchronously (a taken port throws here); onListen replaces Deno's own banner.
  const server = Deno.serve({ port: config.PORT, hostname: config.HOST, onListen: () => {} }, app.fetch);
  const { port } = server.addr;
  const url = listenUrl(config.HOST, port);
  logger.info('listening', { url, store: store.kind, instance: instanceId, runtime: `deno ${Deno.version.deno}` });

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await services.drainRooms();
      // shutdown() would cut the sockets off with 1001: let the 1012 close handshakes finish first.
      await sockets.allClosed(2000);
      await server.shutdown();
      await store.close();
    })());

  return { url, port, config, services, generatedSecrets: generated, close };
}

/** Fail at start, not on the first request, when Deno was not allowed to run espeak-ng. */
function runnable(binary: string): string {
  if (Deno.permissions.querySync({ name: 'run', command: binary }).state !== 'granted') {
    throw new ConfigError(`TTS_ENGINE=espeak: Deno needs --allow-run=${binary} to start it (or set TTS_ENGINE=browser)`);
  }
  return binary;
}

async function openStore(config: ResolvedConfig, log: Logger): Promise<Store> {
  if (config.REDIS_URL) {
    // Loaded only when asked for, so the embedded default never starts ioredis.
    const { RedisStore } = await import('../node/redis-store.ts');
    return RedisStore.connect(config.REDIS_URL, { keyPrefix: config.REDIS_KEY_PREFIX, logger: log });
  }
  return MemoryStore.open(new DenoFilePersistence(config.DATA_DIR, log));
}
