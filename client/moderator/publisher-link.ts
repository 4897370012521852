/**
 * The link a moderator sends to whoever streams a camera: the room's /publish page with a fresh
 * publisher token (POST /api/webrtc/token). The page keeps its token fresh itself once opened.
 */
import type { WebrtcTokenResponse } from '../../src/protocol/signaling.ts';
import { sessionApi } from './api.ts';

export async function publisherLink(room: string): Promise<string> {
  const res = await sessionApi<WebrtcTokenResponse>('/api/webrtc/token', { json: { room, role: 'publisher' } });
  return `${location.origin}/publish?room=${encodeURIComponent(room)}&token=${encodeURIComponent(res.token)}`;
}

/** The clipboard needs a secure context and focus; false means "show the link to copy by hand". */
export const copyText = (text: string): Promise<boolean> => navigator.clipboard?.writeText(text).then(() => true, () => false) ?? Promise.resolve(false);
