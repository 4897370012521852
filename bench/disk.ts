/**
 * The physical floor of a durable commit on this disk: one small append + fdatasync, alone,
 * in the same temp directory the service's DATA_DIR uses, against the scene journal making
 * 100 rooms' commits of the same moment durable together (one write + one fdatasync for all).
 * "Ours" here is the journal group; the ratio says what the group costs over a bare fdatasync.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchResult, Row } from './lib/context.ts';
import { median, pairedRatio, percentile, round } from './lib/stats.ts';
import { SceneJournal } from '../src/node/scene-journal.ts';

export async function diskBench(ctx: BenchContext): Promise<BenchResult> {
  const rounds = ctx.quick ? 100 : 400;
  const record = `${JSON.stringify({ room: 'r', version: 1, data: 'x'.repeat(200) })}\n`;
  const floor: { p50: number; p99: number }[] = [];
  const group: { p50: number; p99: number }[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const dir = await mkdtemp(join(tmpdir(), 'so-bench-disk-'));
    try {
      const handle = await open(join(dir, 'floor.log'), 'a');
      const bytes = Buffer.from(record);
      const alone: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const started = performance.now();
        await handle.write(bytes, 0, bytes.length, null);
        await handle.datasync();
        alone.push(performance.now() - started);
      }
      await handle.close();
      const journal = new SceneJournal(join(dir, 'journal'), join(dir, 'scenes'), { warn() {} });
      await journal.recover({});
      const together: number[] = [];
      for (let i = 1; i <= rounds; i++) {
        const started = performance.now();
        await Promise.all(Array.from({ length: 100 }, (_, room) => journal.append(`room-${room}`, { data: 'x'.repeat(200), version: i })));
        together.push(performance.now() - started);
      }
      await journal.close();
      floor.push({ p50: percentile(alone, 50), p99: percentile(alone, 99) });
      group.push({ p50: percentile(together, 50), p99: percentile(together, 99) });
      ctx.log(`disk run ${run}: fdatasync alone p50 ${floor.at(-1)!.p50.toFixed(2)} ms; 100-room journal group p50 ${group.at(-1)!.p50.toFixed(2)} ms`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const rows: Row[] = (['p50', 'p99'] as const).map((q) => ({
    metric: `durable commit of 100 rooms' scenes in one journal group (one write + one fdatasync), ${q}`,
    unit: 'ms',
    ours: round(median(group.map((g) => g[q])), 2),
    baseline: round(median(floor.map((f) => f[q])), 2),
    baselineName: 'one 250 B append + fdatasync alone (the physical floor)',
    ratio: pairedRatio(group.map((g) => g[q]), floor.map((f) => f[q])),
  }));
  return { name: 'disk', title: 'Durable write: the journal against the physical floor', rows, details: { floor, group } };
}
