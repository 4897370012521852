/**
 * Enter and exit motion with the Web Animations API (no library). Keyframes carry the item's
 * own opacity and rotation, so an animated item ends exactly where its style puts it.
 * Animations start only when `visible` flips or the item comes or goes: a move or a restyle
 * never touches a running one.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Item } from '../../src/protocol/scene.ts';
import type { Motion, MotionEffect } from '../../src/protocol/item-style.ts';

const SLIDE_PX = 80;

type Frame = { opacity: number; transform: string };

/** The "hidden" end of an effect, relative to where the item rests. */
function awayFrame(effect: MotionEffect, leaving: boolean, opacity: number, rest: string): Frame {
  const at = (transform: string) => ({ opacity: 0, transform: `${rest} ${transform}`.trim() });
  // An item leaves in the direction it entered from, mirrored: slide-up comes from below, leaves upwards.
  const sign = leaving ? -1 : 1;
  switch (effect) {
    case 'slide-up':
      return at(`translateY(${sign * SLIDE_PX}px)`);
    case 'slide-down':
      return at(`translateY(${-sign * SLIDE_PX}px)`);
    case 'slide-left':
      return at(`translateX(${sign * SLIDE_PX}px)`);
    case 'slide-right':
      return at(`translateX(${-sign * SLIDE_PX}px)`);
    case 'zoom':
      return at('scale(0.6)');
    case 'pop':
      return at('scale(0)');
    default:
      return { opacity: effect === 'fade' ? 0 : opacity, transform: rest || 'none' };
  }
}

export function motionKeyframes(motion: Motion, leaving: boolean, item: Pick<Item, 'opacity' | 'rotation'>): Keyframe[] {
  const rest = item.rotation ? `rotate(${item.rotation}deg)` : '';
  const shown: Frame = { opacity: item.opacity, transform: rest || 'none' };
  const away = awayFrame(motion.effect, leaving, item.opacity, rest);
  const frames: Keyframe[] = [away, shown];
  if (motion.effect === 'pop') frames.splice(1, 0, { opacity: item.opacity, transform: `${rest} scale(1.08)`.trim(), offset: 0.7 });
  return leaving ? frames.reverse() : frames;
}

const moves = (motion: Motion | undefined): motion is Motion => !!motion && motion.effect !== 'none' && motion.ms > 0;

function play(el: HTMLElement, motion: Motion, leaving: boolean, item: Item): Animation | null {
  if (typeof el.animate !== 'function') return null;
  return el.animate(motionKeyframes(motion, leaving, item), {
    duration: motion.ms,
    easing: motion.easing ?? (leaving ? 'ease-in' : 'ease-out'),
    // An exit holds its last frame until the host hides or drops the element.
    fill: leaving ? 'forwards' : 'none',
  });
}

/**
 * Runs an item's motion. Returns whether the element should still be drawn although the item
 * says `visible:false` (its exit is playing). `leaving` is set for a removed item kept for its
 * exit; `onGone` is called when that exit has played.
 */
export function useMotion(ref: { current: HTMLElement | null }, item: Item, animateMount: boolean, leaving: boolean, onGone: () => void, enabled: boolean): boolean {
  const [exiting, setExiting] = useState(false);
  const running = useRef<Animation | null>(null);
  const wasVisible = useRef<boolean | null>(null);
  const latest = useRef(item);
  latest.current = item;

  const start = (motion: Motion, out: boolean, done?: () => void) => {
    running.current?.cancel();
    const animation = play(ref.current!, motion, out, latest.current);
    running.current = animation;
    if (!animation) return void done?.();
    animation.onfinish = () => {
      if (running.current !== animation) return;
      running.current = null;
      done?.();
      // Drop the held exit frame only once the element is hidden, so nothing flashes back.
      requestAnimationFrame(() => animation.cancel());
    };
  };

  useLayoutEffect(() => {
    const before = wasVisible.current;
    wasVisible.current = item.visible;
    if (leaving || !enabled) return;
    if (before === null) {
      if (animateMount && item.visible && moves(item.enter)) start(item.enter, false);
      return;
    }
    if (before === item.visible) return;
    if (item.visible) {
      setExiting(false);
      if (moves(item.enter)) start(item.enter, false);
      else running.current?.cancel();
    } else if (moves(item.exit)) {
      setExiting(true);
      start(item.exit, true, () => setExiting(false));
    } else {
      running.current?.cancel();
    }
  }, [item.visible]);

  const left = useRef(false);
  useLayoutEffect(() => {
    if (!leaving) {
      // Added back while its exit played: show it as it is.
      if (left.current) running.current?.cancel();
      left.current = false;
      return;
    }
    left.current = true;
    if (enabled && moves(item.exit) && item.visible) start(item.exit, true, onGone);
    else onGone();
  }, [leaving]);

  useLayoutEffect(() => () => running.current?.cancel(), []);
  return exiting;
}

/** Whether a removed item needs to stay on screen for its exit. */
export const hasExit = (item: Item): boolean => item.visible && moves(item.exit);
