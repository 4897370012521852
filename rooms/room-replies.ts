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

/** Echo a req_id back even when the message as a whole was invalid, so the client can match it. */
export function peekReqId(text: string): string | number | undefined {
  try {
    const raw = JSON.parse(text) as { req_id?: unknown };
    const id = raw?.req_id;
    return (typeof id === 'string' && id.length <= 64) || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The item an op is about, for the audit log. */
export function opItemId(op: SceneOp): string | undefined {
  if (op.type === 'add' || op.type === 'update') return op.item.id;
  if (op.type === 'clear') return undefined;
  return op.id;
}
