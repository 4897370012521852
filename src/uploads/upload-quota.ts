/**
 * The library quota (UPLOAD_QUOTA_MB) while several uploads arrive at once. The disk tells how
 * much is stored and how far each part has got, but checking each upload alone against the disk
 * as it was when that upload began let two that fit alone both be kept, together over the quota.
 * So the uploads of this process are counted as they arrive: every chunk is checked against what
 * the disk held besides them when this upload began, plus what they have committed since, plus
 * every byte they are still writing. Uploads of other processes on the same UPLOAD_DIR count as
 * far as they had got when this one began.
 */
import type { UploadStorage } from './upload-storage.ts';

/** One upload's share of the quota, from `UploadQuota.begin` until `end`. */
export interface QuotaClaim {
  /** Bytes the library may still take now. */
  remaining(): number;
  /** Count `bytes` more for this upload; false (and nothing counted) when that would pass the quota. */
  grow(bytes: number): boolean;
  /** The upload was stored as a new file: its bytes stay in the library. */
  committed(): void;
  /** Stop counting this upload's bytes as in flight (stored, a duplicate, dropped or refused). */
  end(): void;
}

export class UploadQuota {
  /** Bytes each upload of this process has written so far. */
  private readonly inFlight = new Map<object, number>();
  /** Bytes this process's uploads have added to the library since it started. */
  private committedBytes = 0;

  constructor(
    private readonly storage: UploadStorage,
    readonly quotaBytes: number,
  ) {}

  async begin(): Promise<QuotaClaim> {
    const onDisk = await this.storage.usage();
    // The disk counted this process's parts as far as they had got; they are counted live instead.
    const base = onDisk - this.writing();
    const committedAtStart = this.committedBytes;
    const used = () => base + (this.committedBytes - committedAtStart) + this.writing();
    const key = {};
    this.inFlight.set(key, 0);
    return {
      remaining: () => this.quotaBytes - used(),
      grow: (bytes) => {
        if (used() + bytes > this.quotaBytes) return false;
        this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + bytes);
        return true;
      },
      committed: () => {
        this.committedBytes += this.inFlight.get(key) ?? 0;
        this.inFlight.delete(key);
      },
      end: () => void this.inFlight.delete(key),
    };
  }

  private writing(): number {
    let total = 0;
    for (const bytes of this.inFlight.values()) total += bytes;
    return total;
  }
}
