/**
 * What an overlay room needs to speak to the FastAPI version's pages and scripts: its scene
 * frames, built by the legacy module (src/legacy/socket-messages.ts) and handed to the room,
 * so the room knows the shape of the call and nothing of the legacy item names.
 */
import type { PatchOp } from '../src/protocol/messages.ts';
import type { Item, Scene } from '../src/protocol/scene.ts';

export interface LegacyFrames {
  /** The whole scene as the FastAPI version sent it. */
  full(scene: Scene, version: number, serverTs: number): string;
  /** One committed batch as that version announced it; `before` is the scene before the batch. */
  patch(ops: readonly PatchOp[], version: number, serverTs: number, before: ReadonlyMap<string, Item>): string[];
}

/** Made on first use, then shared: a broadcast with no legacy socket never builds them. */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | null = null;
  return () => (made ??= { value: make() }).value;
}
