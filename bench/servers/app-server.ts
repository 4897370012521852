/**
 * Bench-only entry: the real service (startServer, same code as `npm start`) in its own
 * process, plus IPC tasks the benchmark needs and the app must not expose over HTTP:
 * settled memory (needs --expose-gc) and bulk moderator keys (the HTTP route is rate limited).
 */
import { startServer } from '../../src/node/server.ts';
import { createLogger } from '../../src/logger.ts';
import { serveTasks, settledMemory } from '../lib/child.ts';

const env = JSON.parse(process.env.BENCH_SERVER_ENV ?? '{}') as Record<string, string>;
const server = await startServer({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', ...env }, createLogger('silent'));

// Drain like main.ts does, and exit through process.exit so --cpu-prof (BENCH_PROFILE) is written.
process.once('SIGTERM', () => {
  server.close().finally(() => process.exit(0));
});

serveTasks(
  {
    memory: () => settledMemory(),
    /** Keys straight from the service, `count` of them, for the consume benchmark. */
    async issueKeys({ count, room = 'main' }: { count: number; room?: string }) {
      const keys: string[] = [];
      for (let i = 0; i < count; i += 200) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(200, count - i) }, () => server.services.keys.issue({ room, label: 'bench', streamerId: 'bench', ttlSeconds: 3600 })),
        );
        for (const { key } of batch) keys.push(key);
      }
      return keys;
    },
    viewToken: ({ room }: { room: string }) => server.services.viewTokens.issue(room),
    async stop() {
      await server.close();
      setTimeout(() => process.exit(0), 10);
      return true;
    },
  },
  { url: server.url, port: server.port, store: server.services.store.kind },
);
