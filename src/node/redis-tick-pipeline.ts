/**
 * Commands queued during one event-loop turn go to Redis as ONE pipeline (one write, one
 * read of the replies): scene compare-and-sets of every room that committed in that turn,
 * and their audit appends. Each caller still gets its own command's reply or error.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { StoreUnavailableError } from '../store/store.ts';

interface Queued {
  add(pipeline: ChainableCommander): void;
  resolve(reply: unknown): void;
  reject(err: unknown): void;
}

export class TickPipeline {
  private queued: Queued[] = [];
  private scheduled = false;
  /** Pipelines sent and commands in them, for the benchmark's batching figure. */
  readonly totals = { pipelines: 0, commands: 0 };

  constructor(private readonly client: Redis) {}

  /** `add` puts exactly one command on the pipeline; resolves with that command's reply. */
  call<T>(add: (pipeline: ChainableCommander) => void): Promise<T> {
    // Fail fast, as single commands do without an offline queue, rather than wait for the turn to end.
    if (this.client.status !== 'ready') return Promise.reject(new StoreUnavailableError());
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ add, resolve: resolve as (reply: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // setImmediate, not a microtask: every socket's message callback of this turn joins.
      setImmediate(() => this.send());
    });
  }

  private send(): void {
    this.scheduled = false;
    const batch = this.queued;
    this.queued = [];
    const pipeline = this.client.pipeline();
    for (const queued of batch) queued.add(pipeline);
    this.totals.pipelines++;
    this.totals.commands += batch.length;
    pipeline.exec().then(
      (replies) => {
        batch.forEach((queued, index) => {
          const [err, reply] = replies?.[index] ?? [new Error('redis pipeline returned no reply'), null];
          if (err) queued.reject(err);
          else queued.resolve(reply);
        });
      },
      (err: unknown) => {
        for (const queued of batch) queued.reject(err);
      },
    );
  }
}
