/** An audit entry as a sentence ("Alice added logo", "key for Bob consumed from 203.0.113.7"). */
import type { AuditEntry } from './api.ts';
import { isDashboardKey, t } from './i18n.ts';
import { labelText } from '../shared/label-text.ts';

export function auditLine(entry: AuditEntry, itemNames: ReadonlyMap<string, string> = new Map()): string {
  const key = `line.${entry.action}`;
  const vars: Record<string, string | number> = { action: entry.action };
  for (const [name, value] of Object.entries(entry)) {
    if (typeof value === 'string' || typeof value === 'number') vars[name] = value;
  }
  if (entry.action === 'streamer.signed_in') vars.via = t(entry.via === 'admin-link' ? 'via.admin_link' : 'via.token');
  vars.label = typeof vars.label === 'string' ? labelText(vars.label) : '?';
  if (typeof vars.who === 'string') vars.who = labelText(vars.who);
  vars.id = typeof entry.id === 'string' ? (itemNames.get(entry.id) ?? entry.id) : '?';
  vars.address ??= '?';
  return t(isDashboardKey(key) ? key : 'line.other', vars);
}
