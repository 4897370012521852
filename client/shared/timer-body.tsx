/** A timer item: text that changes exactly when the shown second does, from the server clock. */
import { useEffect, useReducer } from 'preact/hooks';
import type { Item } from '../../src/protocol/scene.ts';
import { serverClock } from './server-clock.ts';
import { TextBody } from './text-body.tsx';
import { msUntilNextChange, timerText } from './timer-format.ts';

/** A hidden page's timers fire late; never wait longer than this to re-check. */
const MAX_WAIT_MS = 1000;

export function TimerBody({ item }: { item: Item }) {
  const [tick, next] = useReducer((n: number) => n + 1, 0);
  const timer = item.timer;
  const now = serverClock.now();
  useEffect(() => {
    if (!timer) return;
    const wait = msUntilNextChange(timer, serverClock.now());
    if (wait === Infinity) return;
    const handle = setTimeout(next, Math.min(MAX_WAIT_MS, wait + 5));
    return () => clearTimeout(handle);
  }, [timer, tick]);
  return <TextBody item={item} text={timer ? timerText(timer, now) : ''} />;
}
