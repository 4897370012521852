/**
 * One-time admin links (`/dashboard?login=…`) that `npm start` prints next to the OBS URL:
 * whoever reads the server's log may open the dashboard once, within ten minutes, without
 * pasting the streamer token. Stored as a hash; redeeming is an atomic get-and-delete.
 */
import * as v from 'valibot';
import type { Store } from '../store/store.ts';
import { randomToken, sha256Hex } from './secrets.ts';
import { HashedRecords } from './hashed-records.ts';

export const ADMIN_LINK_TTL_SECONDS = 600;

const AdminLinkRecord = v.object({ id: v.string(), created: v.number() });

export class AdminLinks {
  private readonly records: HashedRecords<typeof AdminLinkRecord>;

  constructor(store: Store) {
    this.records = new HashedRecords(store, 'admin-link', AdminLinkRecord);
  }

  /** A fresh secret for `/dashboard?login=`. */
  async issue(): Promise<string> {
    const secret = randomToken(32);
    await this.records.put(await sha256Hex(secret), { id: randomToken(9), created: Date.now() }, ADMIN_LINK_TTL_SECONDS);
    return secret;
  }

  /** True for exactly one caller of a live link; unknown, used and expired links are all false. */
  async redeem(secret: string): Promise<boolean> {
    if (secret.length < 20 || secret.length > 100) return false;
    return (await this.records.takeByHash(await sha256Hex(secret))) !== null;
  }
}
