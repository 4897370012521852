/**
 * The Node edge: build the store and services, serve the portable app with @hono/node-server,
 * WebSocket upgrades through our own path on `ws` (node-websockets.ts: an open socket keeps
 * nothing of its upgrade request), and drain on stop. Tests call startServer() with their own
 * env and port 0.
 */
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { WebSocket, WebSocketServer } from 'ws';
import type { WebSocketConstructor } from '../webrtc/janus/janus-client.ts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { hash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseConfig, type ResolvedConfig } from '../config.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createApp } from '../app.ts';
import { apiSecurityHeaderList, isApiPath, securityHeaderList } from '../http/security-headers.ts';
import { createServices, instanceIdFrom, listenUrl } from '../create-services.ts';
import { hostname } from 'node:os';
import type { Services } from '../services.ts';
import type { Store } from '../store/store.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { FilePersistence } from './file-persistence.ts';
import { RedisStore } from './redis-store.ts';
import { resolveSecrets } from './dev-secrets-file.ts';
import { fileAssets } from './file-assets.ts';
import { fileUploadStorage } from './file-upload-storage.ts';
import { espeakEngine } from './espeak-engine.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { nodeUpgradeWebSocket, serveUpgrades } from './node-websockets.ts';

export const CLIENT_DIST = fileURLToPath(new URL('../../dist/client/', import.meta.url));

export interface RunningServer {
  url: string;
  port: number;
  config: ResolvedConfig;
  services: Services;
  generatedSecrets: readonly string[];
  /** Drain: refuse new sockets, flush queued writes, close sockets with 1012, stop. */
  close(): Promise<void>;
}

/** The Node edge's server, with the node:http server underneath (tests watch its upgrade requests). */
export interface NodeServer extends RunningServer {
  httpServer: Server;
}

export async function startServer(env: Record<string, string | undefined> = process.env, log?: Logger): Promise<NodeServer> {
  const parsed = parseConfig(env);
  const logger = log ?? createLogger(parsed.LOG_LEVEL);
  const { config, generated } = await resolveSecrets(parsed, logger);
  const instanceId = instanceIdFrom(config, hostname(), process.pid);
  // Only the embedded store needs DATA_DIR to itself; on Redis several instances share everything.
  const lock = config.REDIS_URL ? null : await lockDataDir(config.DATA_DIR, instanceId);
  let store: Store;
  try {
    store = await openStore(config, logger);
  } catch (error) {
    await lock?.release();
    throw error;
  }

  // The histogram records whole timer intervals; lateness is what exceeds the resolution.
  const LOOP_RESOLUTION_MS = 10;
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopDelay.enable();
  const services = createServices({
    config,
    instanceId,
    store,
    log: logger,
    assets: fileAssets(CLIENT_DIST),
    uploads: await fileUploadStorage(config.UPLOAD_DIR, logger),
    tts: config.TTS_ENGINE === 'espeak' ? espeakEngine({ binary: config.ESPEAK_BINARY, outputDir: config.UPLOAD_DIR, log: logger }) : undefined,
    upgradeWebSocket: nodeUpgradeWebSocket,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    peerAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
    appliesSecurityHeaders: true,
    // One-shot: no Hash object per call (this runs for every streamer-token request).
    sha256: (text) => hash('sha256', text, 'buffer'),
    eventLoopDelay: () => {
      const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100);
      const result = { p50_ms: ms(loopDelay.percentile(50)), p99_ms: ms(loopDelay.percentile(99)), max_ms: ms(loopDelay.max) };
      loopDelay.reset();
      return result;
    },
  });
  const app = createApp(services);
  const securityHeaders = await securityHeaderList(config);
  const apiSecurityHeaders = apiSecurityHeaderList(securityHeaders);

  const wss = new WebSocketServer({ noServer: true, maxPayload: config.WS_MAX_PAYLOAD_KB * 1024 });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: config.PORT,
        hostname: config.HOST,
        // Node checks the header and request timeouts only this often (30 s by default), so
        // a slow-header socket would otherwise live up to half a minute past its deadline.
        serverOptions: { connectionsCheckingInterval: 1000 },
      },
      () => resolve(s as Server),
    );
    serveUpgrades(s as Server, wss, app.fetch);
    s.once('error', reject);
  });
  // Before the app runs: setHeader is a plain property write, and a header the app sets itself wins in writeHead.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of isApiPath(req.url ?? '') ? apiSecurityHeaders : securityHeaders) res.setHeader(name, value);
  });
  // Bounded life for connections that never finish a request, so thousands of idle or
  // slow-header sockets cannot pile up (upgraded WebSockets leave these timers behind).
  server.headersTimeout = config.HTTP_HEADERS_TIMEOUT_SECONDS * 1000;
  server.requestTimeout = config.HTTP_REQUEST_TIMEOUT_SECONDS * 1000;
  server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000;
  const { port } = server.address() as AddressInfo;
  const url = listenUrl(config.HOST, port);
  logger.info('listening', { url, store: store.kind, instance: instanceId });

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      server.close();
      await services.drainRooms();
      // Let the close frames (and the acks queued before them) reach the clients; terminating at
      // once discards unsent bytes, and a client then sees 1006 instead of 1012. Bounded: a
      // client that stopped reading never answers.
      for (const deadline = Date.now() + 1000; wss.clients.size > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections?.();
      loopDelay.disable();
      await store.close();
      await lock?.release();
    })());

  return { url, port, config, services, generatedSecrets: generated, httpServer: server, close };
}

async function openStore(config: ResolvedConfig, log: Logger): Promise<Store> {
  if (config.REDIS_URL) return RedisStore.connect(config.REDIS_URL, { keyPrefix: config.REDIS_KEY_PREFIX, logger: log });
  return MemoryStore.open(new FilePersistence(config.DATA_DIR, log, { journalSegmentBytes: config.DATA_JOURNAL_SEGMENT_KB * 1024 }));
}
