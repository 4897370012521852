/**
 * Several real server processes on one throwaway Redis, the way `docker compose --scale web=3`
 * runs them: the same secrets and key prefix, one shared upload directory (the uploads volume),
 * a DATA_DIR each, INSTANCE_ID A, B, C… Each instance offers the TestServer-like helpers the
 * cross-instance tests need; any of them may be SIGKILLed mid-test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from './redis-server.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { STREAMER_TOKEN, TOKEN_SECRET, testApi } from './test-server.ts';

export interface Instance extends ServerProcess {
  /** INSTANCE_ID: A, B, C, … */
  id: string;
  wsUrl(path: string): string;
  api(path: string, init?: RequestInit & { streamer?: boolean; json?: unknown }): Promise<Response>;
  viewToken(room?: string): Promise<string>;
  moderatorSession(room?: string, label?: string): Promise<{ session: string; session_id: string }>;
}

export interface Cluster {
  redis: RedisServer;
  instances: Instance[];
  uploadDir: string;
  /** The room's scene as Redis holds it (items and version), read behind the instances' backs. */
  storedScene(room: string): Promise<{ version: number; items: { id: string; text?: string }[] } | null>;
  stop(): Promise<void>;
}

export async function startCluster(count: number, options: { env?: Record<string, string> } = {}): Promise<Cluster> {
  const redis = await startRedis();
  const root = await mkdtemp(join(tmpdir(), 'so-cluster-'));
  const uploadDir = join(root, 'uploads');
  const prefix = `cluster-${randomUUID().slice(0, 8)}:`;
  const env = {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: prefix,
    UPLOAD_DIR: uploadDir,
    STREAMER_API_TOKEN: STREAMER_TOKEN,
    TOKEN_SECRET,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const instances: Instance[] = [];
  try {
    // One after another: a shared upload directory is created by whichever starts first.
    for (let i = 0; i < count; i++) {
      const id = String.fromCharCode(65 + i);
      instances.push(instanceOf(id, await startServerProcess({ ...env, INSTANCE_ID: id, DATA_DIR: join(root, `data-${id}`) })));
    }
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.stop('SIGKILL')));
    await redis.kill();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  return {
    redis,
    instances,
    uploadDir,
    async storedScene(room) {
      // The RedisStore's scene hash (src/node/redis-store.ts).
      const [version, data] = await admin.hmget(`${prefix}scene:${room}`, 'version', 'data');
      if (version === null || data === null) return null;
      return { version: Number(version), items: (JSON.parse(data) as { items: { id: string; text?: string }[] }).items };
    },
    async stop() {
      admin.disconnect();
      await Promise.all(instances.map((instance) => instance.stop('SIGKILL')));
      await redis.kill();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function instanceOf(id: string, process: ServerProcess): Instance {
  const api: Instance['api'] = testApi(process.url);
  return {
    ...process,
    id,
    api,
    wsUrl: (path) => process.url.replace(/^http/, 'ws') + path,
    async viewToken(room = 'main') {
      const res = await api('/api/overlay/token', { method: 'POST', streamer: true, json: { room } });
      if (!res.ok) throw new Error(`view token on ${id}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    async moderatorSession(room = 'main', label = 'mod') {
      const issued = (await (await api('/api/moderator-keys/generate', { method: 'POST', streamer: true, json: { room, label } })).json()) as { key: string };
      const res = await api('/api/moderator-keys/consume', { method: 'POST', json: { key: issued.key } });
      if (!res.ok) throw new Error(`moderator session on ${id}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { session: string; session_id: string };
    },
  };
}
