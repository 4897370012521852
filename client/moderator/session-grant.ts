/**
 * What this panel's session may do, computed in one place: the scopes it logged in with, or
 * the ones the streamer pushed since (`session.scopes`). Components ask `SceneClient.may`, which
 * asks here, so a control is hidden or disabled by the same rule the server refuses with.
 */
import type { Item } from '../../src/protocol/scene.ts';
import { UNRESTRICTED, grantFrom, mayApply, type Grant, type Scope } from '../../src/protocol/scopes.ts';

/** Who the panel is, as far as scopes go: the streamer holds every scope. */
export interface SessionAccess {
  role: 'moderator' | 'streamer';
  scopes?: string[] | undefined;
  items?: string[] | undefined;
}

export interface PushedScopes {
  scopes: readonly string[];
  items: readonly string[] | null;
}

export function grantOf(access: SessionAccess, pushed: PushedScopes | null = null): Grant {
  if (access.role === 'streamer') return UNRESTRICTED;
  if (pushed) return grantFrom({ scopes: pushed.scopes as Scope[], items: pushed.items });
  return grantFrom({ scopes: access.scopes as Scope[] | undefined, items: access.items ?? null });
}

/**
 * Whether `grant` may do `type` on `stage`, to `item` when it touches one (by id and by name).
 * An item the panel adds gets a random id and no name: only a filter that matches any id (`*`)
 * lets it through, which the empty id stands for.
 */
export function mayDo(grant: Grant, stage: 'live' | 'draft', type: string, item?: Pick<Item, 'id' | 'name'>): boolean {
  const target = item ? { id: item.id, ...(item.name !== undefined ? { name: item.name } : {}) } : type === 'add' ? { id: '' } : undefined;
  return mayApply(grant, { type, stage }, target);
}
