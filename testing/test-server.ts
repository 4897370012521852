/**
 * Start the real server (src/node/server.ts) on 127.0.0.1:0 with a temp data dir and known
 * secrets, plus the small helpers every integration test wants.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/node/server.ts';
import { createLogger } from '../src/logger.ts';

export const STREAMER_TOKEN = 'streamer-token-for-tests-0123456789';
export const TOKEN_SECRET = 'token-secret-for-tests-0123456789abcdef';

export interface TestServer extends RunningServer {
  dataDir: string;
  env: Record<string, string>;
  wsUrl(path: string): string;
  /** fetch against the server; `streamer: true` adds the streamer token. */
  api(path: string, init?: RequestInit & { streamer?: boolean; json?: unknown }): Promise<Response>;
  viewToken(room?: string): Promise<string>;
  /** Issue a key (with `grant`'s scopes and items, when given) and consume it: a moderator session for `room`. */
  moderatorSession(room?: string, label?: string, grant?: { scopes?: string[]; items?: string[] }): Promise<{ session: string; session_id: string }>;
  stop(): Promise<void>;
}

export async function startTestServer(options: { env?: Record<string, string>; dataDir?: string } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'so-test-')));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    UPLOAD_DIR: join(dataDir, 'uploads'),
    STREAMER_API_TOKEN: STREAMER_TOKEN,
    TOKEN_SECRET,
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const server = await startServer(env, createLogger((env.LOG_LEVEL as 'silent') ?? 'silent'));
  const api = testApi(server.url);
  return {
    ...server,
    dataDir,
    env,
    api,
    wsUrl: (path) => server.url.replace(/^http/, 'ws') + path,
    async viewToken(room = 'main') {
      const res = await api('/api/overlay/token', { method: 'POST', streamer: true, json: { room } });
      return ((await res.json()) as { token: string }).token;
    },
    async moderatorSession(room = 'main', label = 'mod', grant = {}) {
      const issued = (await (await api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room, label, ...grant } })).json()) as { key: string };
      const res = await api('/api/moderator-keys/consume', { method: 'POST', json: { key: issued.key } });
      return (await res.json()) as { session: string; session_id: string };
    },
    async stop() {
      await server.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch against one server: `streamer` adds the streamer token, `json` a JSON body. */
export function testApi(baseUrl: string): TestServer['api'] {
  return (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (init.streamer) headers.set('x-streamer-token', STREAMER_TOKEN);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(baseUrl + path, { ...init, headers, body });
  };
}
