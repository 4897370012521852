/**
 * The search for the highest sustainable op rate, apart from how one step is measured: a
 * geometric ramp finds the first failing rate, then bisection narrows the gap between the last
 * passing and the first failing rate. A ×1.5 ramp alone can only report 0.67× or 1.0× of a
 * baseline whose limit sits between two of its rates; a few bisection steps bring the
 * resolution to a few per cent. Ours and the baselines go through the same search.
 */

export interface StepResult {
  offered: number;
  achieved: number;
  p50: number;
  p99: number;
  unacked: number;
  ok: boolean;
}

export interface SearchStep extends StepResult {
  phase: 'ramp' | 'bisect';
}

export interface RateSearch {
  startRate: number;
  factor: number;
  maxRate: number;
  /** Bisection steps after the ramp's first failure (0: the plain ramp). */
  bisectSteps: number;
  /** Offer `rate` ops/s for one step and measure it. */
  runStep(rate: number): Promise<StepResult>;
  /** Drain between steps so one step's backlog is not charged to the next. */
  settle(pauseMs: number): Promise<void>;
}

export async function searchMaxRate(search: RateSearch): Promise<{ best: number; steps: SearchStep[] }> {
  const steps: SearchStep[] = [];
  // Two strikes: the machine is shared, so a failing step is retried once at the same rate.
  const passes = async (rate: number, phase: SearchStep['phase']): Promise<boolean> => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const step = await search.runStep(rate);
      steps.push({ ...step, phase });
      if (step.ok) return true;
      await search.settle(500);
    }
    return false;
  };

  // The first step at the start rate warms the JIT and the sockets and is not counted.
  await search.runStep(search.startRate);
  await search.settle(200);

  let best = 0;
  let failing: number | undefined;
  for (let rate = search.startRate; rate <= search.maxRate; rate = Math.round(rate * search.factor)) {
    if (!(await passes(rate, 'ramp'))) {
      failing = rate;
      break;
    }
    best = rate;
    await search.settle(200);
  }
  if (failing === undefined) return { best, steps };

  let low = best;
  let high = failing;
  for (let i = 0; i < search.bisectSteps; i++) {
    const mid = Math.round((low + high) / 2);
    if (mid <= low || mid >= high) break;
    if (await passes(mid, 'bisect')) {
      low = mid;
      await search.settle(200);
    } else {
      high = mid;
    }
  }
  return { best: low, steps };
}
