/** Small pieces of what an overlay room answers a socket with. */
import type { ErrorCode, SceneOp, ServerMessage } from '../src/protocol/messages.ts';
import type { Item } from '../src/protocol/scene.ts';

export function errorMessage(
  code: ErrorCode,
  message: string,
  version: number,
  reqId?: string | number,
  issues?: Record<string, string[]>,
  item?: Item | null,
): ServerMessage {
  return { type: 'error', req_id: reqId, code, message, version, ...(issues ? { issues } : {}), ...(item !== undefined ? { item } : {}) };
}

/** The item an op is about, for the audit log. */
export function opItemId(op: SceneOp): string | undefined {
  if (op.type === 'add' || op.type === 'update') return op.item.id;
  if (op.type === 'clear') return undefined;
  return op.id;
}
