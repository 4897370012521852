/**
 * Item ids made in the panel, so undo knows the id of what it added. getRandomValues, not
 * randomUUID: a panel opened over plain http on a LAN is not a secure context.
 */
export function randomId(prefix = 'i'): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
