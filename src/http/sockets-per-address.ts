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
import type { UpgradeWebSocket, WSEvents } from 'hono/ws';
import { AppError } from '../errors.ts';
import { CloseCode } from '../protocol/constants.ts';

export interface SocketsPerAddress {
  upgradeWebSocket: UpgradeWebSocket;
  /** Open sockets of one address (for tests and metrics). */
  open(address: string): number;
}

export function capSocketsPerAddress(upgrade: UpgradeWebSocket, max: number): SocketsPerAddress {
  const open = new Map<string, number>();
  const release = (address: string) => {
    const left = (open.get(address) ?? 1) - 1;
    if (left > 0) open.set(address, left);
    else open.delete(address);
  };

  const limited = (createEvents: (c: Context) => WSEvents | Promise<WSEvents>, options?: unknown) => {
    const inner = upgrade(async (c) => {
      const events = await createEvents(c);
      const address: string = c.get('clientIp');
      let admitted = false;
      let released = false;
      const leave = () => {
        if (admitted && !released) {
          released = true;
          release(address);
        }
      };
      return {
        ...events,
        onOpen(event, ws) {
          if ((open.get(address) ?? 0) >= max) {
            ws.close(CloseCode.tryAgainLater, 'too many sockets from this address');
            return;
          }
          admitted = true;
          open.set(address, (open.get(address) ?? 0) + 1);
          events.onOpen?.(event, ws);
        },
        onMessage(event, ws) {
          if (admitted) events.onMessage?.(event, ws);
        },
        onClose(event, ws) {
          if (admitted) events.onClose?.(event, ws);
          leave();
        },
        onError(event, ws) {
          if (admitted) events.onError?.(event, ws);
          leave();
        },
      } satisfies WSEvents;
    }, options);
    return async (c: Context, next: () => Promise<void>) => {
      if ((open.get(c.get('clientIp')) ?? 0) >= max) {
        throw new AppError(429, 'too_many_sockets', `at most ${max} open sockets per client address`);
      }
      return inner(c, next);
    };
  };

  return { upgradeWebSocket: limited as UpgradeWebSocket, open: (address) => open.get(address) ?? 0 };
}
