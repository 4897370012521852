/**
 * Keeps a media element playing despite autoplay policies. A browser that refuses sound
 * without a user gesture usually still allows muted playback, so play muted first and keep
 * trying to unmute: on a timer, on any gesture and when the page becomes visible. An overlay
 * runs unattended for hours; one refusal must never leave it silent or frozen for good.
 */

export interface Autoplay {
  /** What the scene asks for; a forced mute is lifted as soon as the browser allows. */
  setMuted(muted: boolean): void;
  /** Play now (a synchronized clip that should be playing), with the same muted fallback. */
  resume(): void;
  stop(): void;
}

const RETRY_MS = 3000;
const WAKE_EVENTS = ['pointerdown', 'keydown', 'touchend', 'visibilitychange'] as const;

/** `shouldPlay` lets a synchronized clip stay paused or ended; by default the element always plays. */
export function keepPlaying(el: HTMLMediaElement, muted: boolean, shouldPlay: () => boolean = () => true): Autoplay {
  let wantMuted = muted;
  /** Muted by us only to get past the autoplay policy, not because the scene says so. */
  let forced = false;
  let stopped = false;

  const play = () => {
    if (stopped || !shouldPlay()) return;
    el.play().catch((err: unknown) => {
      if (stopped || (err as { name?: string })?.name !== 'NotAllowedError') return;
      if (!el.muted) {
        forced = true;
        el.muted = true;
        play();
      }
    });
  };

  const nudge = () => {
    if (stopped) return;
    if (forced && !wantMuted && canTryUnmute()) {
      forced = false;
      el.muted = false;
      // Chromium pauses an element unmuted without a gesture; play() then rejects and re-mutes.
      play();
    } else if (el.paused && !el.ended) {
      play();
    }
  };

  el.muted = wantMuted;
  play();
  const timer = setInterval(nudge, RETRY_MS);
  for (const type of WAKE_EVENTS) document.addEventListener(type, nudge, true);

  return {
    setMuted(next) {
      wantMuted = next;
      if (next) forced = false;
      if (!forced) el.muted = next;
      if (!next) nudge();
    },
    resume: play,
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const type of WAKE_EVENTS) document.removeEventListener(type, nudge, true);
    },
  };
}

/** Without a gesture so far an unmute would only stutter the picture; wait for one. */
function canTryUnmute(): boolean {
  const activation = (navigator as { userActivation?: { hasBeenActive: boolean } }).userActivation;
  return !activation || activation.hasBeenActive;
}
