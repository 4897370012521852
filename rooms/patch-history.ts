/**
 * The recent patches of one room, serialized once, so a reconnecting client catches up
 * from what it missed instead of getting the whole scene again.
 */

/** How many recent patches a reconnecting client can catch up from before it gets a full scene. */
export const PATCH_HISTORY = 256;

export class PatchHistory {
  private entries: { version: number; data: string }[] = [];

  /** Keep a committed patch; a full replace (null) breaks the chain and everyone resyncs fully. */
  remember(version: number, data: string | null): void {
    if (data === null) {
      this.entries = [];
      return;
    }
    this.entries.push({ version, data });
    if (this.entries.length > PATCH_HISTORY) this.entries.shift();
  }

  clear(): void {
    this.entries = [];
  }

  /** What a client at `sinceVersion` needs to reach `current`: patches, or null for a full scene. */
  since(sinceVersion: number | undefined, current: number): string[] | null {
    if (sinceVersion !== undefined && sinceVersion === current) return [];
    const first = this.entries[0];
    const canPatch = sinceVersion !== undefined && sinceVersion < current && first !== undefined && first.version <= sinceVersion + 1;
    return canPatch ? this.entries.filter((entry) => entry.version > sinceVersion).map((entry) => entry.data) : null;
  }
}
