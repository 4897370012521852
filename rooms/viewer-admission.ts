/**
 * Who gets a viewer slot in a signaling room. Slots are limited per grant (a view token and
 * every WebRTC token traded for it, or one minted token), per client address and per room.
 * At a limit the quietest viewer of that group gives up its slot when it has been quiet long
 * enough (a frozen page, a socket held open and never used); otherwise the newcomer is
 * refused, so viewers that keep talking keep their slots and a flood cannot push them out.
 */
import { DEFAULT_MAX_VIEWERS_PER_ADDRESS, MAX_VIEWERS_PER_ROOM, MAX_VIEWERS_PER_TOKEN, QUIET_VIEWER_MS } from '../src/protocol/signaling.ts';

/** Where a viewer socket comes from, as the route verified it. */
export interface ViewerOrigin {
  grantId: string;
  address: string;
}

export interface ViewerLimits {
  perGrant: number;
  perAddress: number;
  perRoom: number;
  quietMs: number;
}

export const DEFAULT_VIEWER_LIMITS: ViewerLimits = {
  perGrant: MAX_VIEWERS_PER_TOKEN,
  perAddress: DEFAULT_MAX_VIEWERS_PER_ADDRESS,
  perRoom: MAX_VIEWERS_PER_ROOM,
  quietMs: QUIET_VIEWER_MS,
};

export interface SeatedViewer {
  id: string;
  origin: ViewerOrigin;
  /** When it last sent a frame (or joined). */
  lastSeen: number;
}

export type Admission = { admit: true; evict: SeatedViewer[] } | { admit: false; reason: string };

/** Decides for one newcomer: admit it (after evicting these), or refuse it and touch nobody. */
export function admitViewer(seated: Iterable<SeatedViewer>, newcomer: ViewerOrigin, limits: ViewerLimits, now: number): Admission {
  const remaining = [...seated];
  const evict: SeatedViewer[] = [];
  const groups = [
    { limit: limits.perGrant, of: (v: SeatedViewer) => v.origin.grantId === newcomer.grantId, full: `this token already holds ${limits.perGrant} viewer sockets` },
    { limit: limits.perAddress, of: (v: SeatedViewer) => v.origin.address === newcomer.address, full: `this address already holds ${limits.perAddress} viewer sockets` },
    { limit: limits.perRoom, of: () => true, full: `room is full (${limits.perRoom} viewers)` },
  ];
  for (const group of groups) {
    for (let members = remaining.filter(group.of); members.length >= group.limit; members = remaining.filter(group.of)) {
      if (members.length === 0) return { admit: false, reason: group.full };
      const quietest = members.reduce((a, b) => (b.lastSeen < a.lastSeen ? b : a));
      if (now - quietest.lastSeen < limits.quietMs) return { admit: false, reason: group.full };
      evict.push(quietest);
      remaining.splice(remaining.indexOf(quietest), 1);
    }
  }
  return { admit: true, evict };
}
