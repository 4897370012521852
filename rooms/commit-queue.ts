/**
 * The group-commit queue of a room: submissions wait while one batch commits, then all that
 * arrived meanwhile commit together as the next batch (one version, one store round trip).
 */
export class CommitQueue<T> {
  private queue: T[] = [];
  private committing: Promise<void> | null = null;

  constructor(private readonly commit: (batch: T[]) => Promise<void>) {}

  push(item: T): void {
    this.queue.push(item);
    this.committing ??= this.drain();
  }

  /** A batch is committing or waiting. */
  get busy(): boolean {
    return this.committing !== null || this.queue.length > 0;
  }

  /** Wait until every queued item is committed (or failed); used when the server drains. */
  async flush(): Promise<void> {
    while (this.committing) await this.committing;
  }

  /**
   * Runs while the queue has work. `committing` is cleared in the same step that finds the
   * queue empty: cleared a microtask later (a `.finally` on the promise), an item pushed in
   * between saw a drain still running, started none, and waited for the next item to arrive.
   */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.commit(this.queue.splice(0));
    } finally {
      this.committing = null;
    }
  }
}
