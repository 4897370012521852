/**
 * Benchmarks keep the server and the load in separate processes. A child is forked with tsx
 * and talks over IPC: the parent `call`s a named task, the child answers with its result.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Child {
  readonly pid: number;
  /** What the child sent with `ready` (e.g. its URL). */
  readonly info: Record<string, unknown>;
  call<T = unknown>(task: string, args?: unknown, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Fork `entry` (a path relative to bench/) and wait until it says `ready`. */
export async function startChild(
  entry: string,
  options: { env?: Record<string, string>; gc?: boolean; name?: string; startTimeoutMs?: number; profileDir?: string; nofile?: number } = {},
): Promise<Child> {
  const path = fileURLToPath(new URL(`../${entry}`, import.meta.url));
  const execArgv = ['--import', 'tsx', ...(options.gc ? ['--expose-gc'] : []), ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [])];
  const env = { ...process.env, ...options.env };
  const stdio: ['ignore', 'inherit', 'pipe', 'ipc'] = ['ignore', 'inherit', 'pipe', 'ipc'];
  // Node cannot set its own rlimits: a shell raises the file limit and execs node, which
  // inherits it and the IPC channel (NODE_CHANNEL_FD).
  const child = options.nofile
    ? spawn('/bin/sh', ['-c', `${raiseNofile(options.nofile)}; exec "$@"`, 'sh', process.execPath, ...execArgv, path], { env, stdio })
    : fork(path, [], { execArgv, env, stdio });
  live.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      for (const waiter of pending.values()) waiter.reject(new Error(`${options.name ?? entry} exited (${code ?? signal}): ${stderr}`));
      pending.clear();
      resolve();
    }),
  );

  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start: ${stderr}`)), options.startTimeoutMs ?? 30_000);
    child.on('message', (message: { ready?: Record<string, unknown> } & Partial<Reply>) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve(message.ready);
        return;
      }
      const waiter = message.id !== undefined ? pending.get(message.id) : undefined;
      if (!waiter) return;
      pending.delete(message.id!);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${options.name ?? entry}: ${message.error}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited during start (${code}): ${stderr}`));
    });
  });

  return {
    pid: child.pid!,
    info,
    call<T>(task: string, args?: unknown, timeoutMs = 300_000) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${options.name ?? entry}: ${task} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ id, task, args });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** In the child: answer the parent's calls with these handlers; exit with the parent. */
export function serveTasks(handlers: Record<string, (args: any) => unknown>, ready: Record<string, unknown> = {}): void {
  if (!process.send) throw new Error('serveTasks: not started with an IPC channel');
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message: { id: number; task: string; args: unknown }) => {
    const handler = handlers[message.task];
    try {
      if (!handler) throw new Error(`unknown task ${message.task}`);
      const result = await handler(message.args);
      process.send!({ id: message.id, ok: true, result } satisfies Reply);
    } catch (error) {
      process.send!({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Reply);
    }
  });
  process.send({ ready });
}

/** Collect garbage twice (finalizers run between) and read memory; needs --expose-gc. */
export async function settledMemory(): Promise<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the child with gc: true (--expose-gc)');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

/**
 * The shell line that raises the open-file limit to `wanted` (root may raise the hard limit
 * too; anyone else gets the hard limit). Sockets are files: 10,000 of them need more than the
 * common default of 1,024.
 */
function raiseNofile(wanted: number): string {
  return `ulimit -n ${Math.floor(wanted)} 2>/dev/null || ulimit -n "$(ulimit -Hn)"`;
}

/** The open-file limit a child started with `nofile: wanted` gets on this machine. */
export function nofileLimit(wanted: number): number {
  const out = execFileSync('/bin/sh', ['-c', `${raiseNofile(wanted)}; ulimit -n`], { encoding: 'utf8' }).trim();
  return out === 'unlimited' ? Infinity : Number(out);
}
