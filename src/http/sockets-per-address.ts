/**
 * At most `max` open WebSockets per client address (the TRUSTED_PROXIES-aware address the rate
 * limits use), so one host cannot hold thousands of sockets and the memory behind them. The
 * limit is generous because a household or office behind one NAT shares an address.
 *
 * Checked before the upgrade (429 while the address is full) and counted at open, where a
 * burst that raced past the check together is closed at once with 1013: the count is of open
 * sockets only, so a handshake that never completes holds no place.
 */
import type { Context } from 'hono';
import type { UpgradeWebSocket, WSContext, WSEvents } from 'hono/ws';
import { AppError } from '../errors.ts';
import { CloseCode } from '../protocol/constants.ts';

export interface SocketsPerAddress {
  upgradeWebSocket: UpgradeWebSocket;
  /** Open sockets of one address (for tests and metrics). */
  open(address: string): number;
}

class OpenCounts {
  readonly #open = new Map<string, number>();
  constructor(readonly max: number) {}

  of(address: string): number {
    return this.#open.get(address) ?? 0;
  }

  /** Takes a place for `address`; false when it has none left. */
  take(address: string): boolean {
    const now = this.of(address);
    if (now >= this.max) return false;
    this.#open.set(address, now + 1);
    return true;
  }

  release(address: string): void {
    const left = this.of(address) - 1;
    if (left > 0) this.#open.set(address, left);
    else this.#open.delete(address);
  }
}

/**
 * The route's events behind the cap. A class rather than a literal of closures: one lives per
 * open socket, and closures would also keep the upgrade's scope (and its Context) reachable.
 */
class CappedEvents implements WSEvents {
  #admitted = false;
  #released = false;
  constructor(
    private readonly events: WSEvents,
    private readonly address: string,
    private readonly counts: OpenCounts,
  ) {}

  onOpen(event: Event, ws: WSContext): void {
    if (!this.counts.take(this.address)) {
      ws.close(CloseCode.tryAgainLater, 'too many sockets from this address');
      return;
    }
    this.#admitted = true;
    this.events.onOpen?.(event, ws);
  }

  onMessage(event: MessageEvent, ws: WSContext): void {
    if (this.#admitted) this.events.onMessage?.(event, ws);
  }

  onClose(event: CloseEvent, ws: WSContext): void {
    if (this.#admitted) this.events.onClose?.(event, ws);
    this.#leave();
  }

  onError(event: Event, ws: WSContext): void {
    if (this.#admitted) this.events.onError?.(event, ws);
    this.#leave();
  }

  #leave(): void {
    if (this.#admitted && !this.#released) {
      this.#released = true;
      this.counts.release(this.address);
    }
  }
}

export function capSocketsPerAddress(upgrade: UpgradeWebSocket, max: number): SocketsPerAddress {
  const counts = new OpenCounts(max);
  const limited = (createEvents: (c: Context) => WSEvents | Promise<WSEvents>, options?: unknown) => {
    const inner = upgrade(capped(createEvents, counts), options);
    return async (c: Context, next: () => Promise<void>) => {
      if (counts.of(c.get('clientIp')) >= max) {
        throw new AppError(429, 'too_many_sockets', `at most ${max} open sockets per client address`);
      }
      return inner(c, next);
    };
  };
  return { upgradeWebSocket: limited as UpgradeWebSocket, open: (address) => counts.of(address) };
}

/** Outside capSocketsPerAddress so the events it makes do not share a scope with the route's middleware. */
function capped(createEvents: (c: Context) => WSEvents | Promise<WSEvents>, counts: OpenCounts) {
  return async (c: Context): Promise<WSEvents> => new CappedEvents(await createEvents(c), c.get('clientIp'), counts);
}
