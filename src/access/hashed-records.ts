/**
 * Records reachable two ways: by the SHA-256 of a bearer secret (a key or a session, whose
 * plain value the store never holds) and by a public id the streamer can list and revoke.
 * Both entries share one TTL, so the index never outlives its record.
 */
import * as v from 'valibot';
import type { Store } from '../store/store.ts';

export class HashedRecords<S extends v.GenericSchema<unknown, { id: string }>> {
  constructor(
    private readonly store: Store,
    private readonly namespace: string,
    private readonly schema: S,
  ) {}

  async put(hash: string, record: v.InferOutput<S>, ttlSeconds: number): Promise<void> {
    await this.store.set(this.byHash(hash), JSON.stringify(record), ttlSeconds);
    await this.store.set(this.byId(record.id), hash, ttlSeconds);
  }

  async getByHash(hash: string): Promise<v.InferOutput<S> | null> {
    return this.parse(await this.store.get(this.byHash(hash)));
  }

  /** Atomic: of many concurrent callers exactly one gets the record (one-time keys rely on it). */
  async takeByHash(hash: string): Promise<v.InferOutput<S> | null> {
    const record = this.parse(await this.store.getDel(this.byHash(hash)));
    if (record) await this.store.del(this.byId(record.id));
    return record;
  }

  async getById(id: string): Promise<v.InferOutput<S> | null> {
    const hash = await this.store.get(this.byId(id));
    return hash ? this.getByHash(hash) : null;
  }

  /** The record and the hash it is stored under, to rewrite it in place. */
  async getWithHashById(id: string): Promise<{ hash: string; record: v.InferOutput<S> } | null> {
    const hash = await this.store.get(this.byId(id));
    const record = hash ? await this.getByHash(hash) : null;
    return hash && record ? { hash, record } : null;
  }

  async takeById(id: string): Promise<v.InferOutput<S> | null> {
    const hash = await this.store.getDel(this.byId(id));
    return hash ? this.parse(await this.store.getDel(this.byHash(hash))) : null;
  }

  /** Every live record (a listing of tens, not a hot path). */
  async list(): Promise<v.InferOutput<S>[]> {
    const prefix = `${this.namespace}-id:`;
    const records: v.InferOutput<S>[] = [];
    for (const key of await this.store.keys(prefix)) {
      const record = await this.getById(key.slice(prefix.length));
      if (record !== null) records.push(record);
    }
    return records;
  }

  parse(raw: string | null): v.InferOutput<S> | null {
    return raw === null ? null : v.parse(this.schema, JSON.parse(raw));
  }

  /** The store keys of a record and of its id index, for operations that write them in one step. */
  readonly byHash = (hash: string) => `${this.namespace}:${hash}`;
  readonly byId = (id: string) => `${this.namespace}-id:${id}`;
  get idPrefix(): string {
    return `${this.namespace}-id:`;
  }
}
