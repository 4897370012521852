/**
 * The page's estimate of the server clock, from `pong {server_ts, client_ts}`: the server's
 * time at the middle of the round trip. The sample with the shortest round trip of the recent
 * few wins (its midpoint is the least uncertain), so one slow pong cannot shift playback.
 */
const KEEP_SAMPLES = 8;

interface Sample {
  rtt: number;
  offset: number;
}

export class ServerClock {
  private samples: Sample[] = [];
  /** server − client, in ms. */
  offset = 0;

  /** A pong: `clientTs` is what we sent in the ping, `receivedAt` our clock when it came back. */
  fromPong(serverTs: number, clientTs: number | undefined, receivedAt = Date.now()): void {
    if (typeof clientTs !== 'number' || !Number.isFinite(serverTs) || receivedAt < clientTs) return;
    const rtt = receivedAt - clientTs;
    this.samples.push({ rtt, offset: serverTs - (clientTs + rtt / 2) });
    if (this.samples.length > KEEP_SAMPLES) this.samples.shift();
    this.offset = this.samples.reduce((best, s) => (s.rtt < best.rtt ? s : best)).offset;
  }

  /** A rough first guess from any stamped message, until a pong gives a real one. */
  fromMessage(serverTs: number, receivedAt = Date.now()): void {
    if (this.samples.length === 0 && Number.isFinite(serverTs)) this.offset = serverTs - receivedAt;
  }

  now(): number {
    return Date.now() + this.offset;
  }
}

/** One clock per page: the socket handler feeds it, the renderer reads it. */
export const serverClock = new ServerClock();
