/**
 * The WebRTC signaling socket: the shared reconnecting socket (backoff, ping/pong, liveness)
 * typed for the signaling protocol instead of the scene protocol.
 */
import { createSocket, type SocketStatus } from './socket.ts';

export interface SignalingSocket<Out> {
  send(message: Out): boolean;
  close(): void;
  readonly connected: boolean;
}

export function signalingSocket<In extends { type: string }, Out extends { type: string }>(opts: {
  url: () => string;
  onMessage(message: In): void;
  onOpen?(): void;
  onClose?(code: number, reason: string): void;
  onStatus?(status: SocketStatus): void;
}): SignalingSocket<Out> {
  // socket.ts types its messages as the scene protocol's; the frames are JSON either way.
  const socket = createSocket<never>({ ...opts, onMessage: (message) => opts.onMessage(message as unknown as In) });
  return {
    send: (message) => socket.send(message as never),
    close: () => socket.close(),
    get connected() {
      return socket.connected;
    },
  };
}
