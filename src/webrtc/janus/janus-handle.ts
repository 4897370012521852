/**
 * One handle on Janus's VideoRoom plugin, with the role it was attached for. Each role may
 * send only the VideoRoom requests on its whitelist: whatever a browser sends us, the
 * translation can never make a viewer's handle publish, nor any handle administer rooms.
 */
import type { JanusClient } from './janus-client.ts';

export type HandleRole = 'admin' | 'publisher' | 'subscriber';

export const ALLOWED_REQUESTS: Record<HandleRole, readonly string[]> = {
  admin: ['create', 'destroy', 'exists', 'listparticipants'],
  publisher: ['join', 'publish', 'configure', 'unpublish', 'leave'],
  subscriber: ['join', 'start', 'configure', 'pause', 'leave'],
};

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface PluginReply {
  plugindata?: { plugin: string; data: Record<string, unknown> & { error_code?: number; error?: string } };
  jsep?: Jsep;
}

/** Asynchronous things Janus tells a handle: plugin events, webrtcup, media, hangup, trickle… */
export type JanusEvent = PluginReply & {
  janus: string;
  sender: number;
  candidate?: { candidate?: string; sdpMid?: string; sdpMLineIndex?: number; completed?: boolean };
  type?: string;
  receiving?: boolean;
  uplink?: boolean;
  reason?: string;
};

export class JanusHandle {
  private listener: ((event: JanusEvent) => void) | null = null;
  detached = false;

  constructor(
    private readonly client: JanusClient,
    readonly id: number,
    readonly role: HandleRole,
    /** The client generation (Janus session) this handle lives in. */
    readonly generation: number,
  ) {}

  onEvent(listener: (event: JanusEvent) => void): void {
    this.listener = listener;
  }

  /** @internal From the client: an event addressed to this handle. */
  deliver(event: JanusEvent): void {
    if (event.janus === 'detached') this.detached = true;
    this.listener?.(event);
  }

  /** A VideoRoom request; resolves with the plugin's reply (its data, and a jsep if any). */
  async message(body: Record<string, unknown> & { request: string }, jsep?: Jsep): Promise<{ data: Record<string, unknown>; jsep?: Jsep }> {
    if (!ALLOWED_REQUESTS[this.role].includes(body.request)) {
      throw new Error(`a ${this.role} handle may not send the VideoRoom request "${body.request}"`);
    }
    const reply = (await this.client.request({ janus: 'message', body, ...(jsep ? { jsep } : {}) }, { handleId: this.id, awaitsEvent: true })) as PluginReply;
    return { data: reply.plugindata?.data ?? {}, ...(reply.jsep ? { jsep: reply.jsep } : {}) };
  }

  /** A browser's candidate (null: gathering is complete). */
  async trickle(candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null): Promise<void> {
    const body = candidate && candidate.candidate
      ? { candidate: { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? undefined, sdpMLineIndex: candidate.sdpMLineIndex ?? undefined } }
      : { candidate: { completed: true } };
    await this.client.request({ janus: 'trickle', ...body }, { handleId: this.id });
  }

  /** Detach, best effort: a handle of a lost session is gone already. */
  async detach(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    this.listener = null;
    this.client.forget(this.id);
    if (this.client.generation !== this.generation || !this.client.ready) return;
    await this.client.request({ janus: 'detach' }, { handleId: this.id }).catch(() => undefined);
  }
}
