/**
 * Writing the audit log, for routes and rooms alike: an entry is stamped, capped at
 * AUDIT_CAP per room, and never fails the action it records (a lost line is logged).
 */
import { AUDIT_CAP } from '../protocol/constants.ts';
import type { Logger } from '../logger.ts';
import type { Store } from './store.ts';

export interface AuditDeps {
  store: Pick<Store, 'appendAudit'>;
  log: Logger;
}

export type AuditAction = { action: string; [key: string]: unknown };

export async function audit(deps: AuditDeps, room: string, entry: AuditAction, who = 'streamer'): Promise<void> {
  try {
    await deps.store.appendAudit(room, { ts: Date.now(), who, ...entry }, AUDIT_CAP);
  } catch (error) {
    deps.log.warn('audit append failed', { room, action: entry.action, error: String(error) });
  }
}
