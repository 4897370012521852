/** Markdown tables from benchmark results: one table per benchmark. */
import type { BenchResult } from './context.ts';

const cell = (value: number | null | undefined) => (value === null || value === undefined || Number.isNaN(value) ? '–' : Number.isFinite(value) ? String(value) : '∞');

export function renderTables(results: BenchResult[]): string {
  const out: string[] = [];
  for (const result of results) {
    const provenance = [result.command && `\`${result.command}\``, result.date, result.runs !== undefined && `${result.runs} run${result.runs === 1 ? '' : 's'}`, result.seconds !== undefined && `${result.seconds} s`].filter(Boolean).join(', ');
    out.push(`### ${result.title}${provenance ? ` (${provenance})` : ''}`, '');
    out.push('| metric | ours | baseline | ratio | target |', '|---|---:|---:|---:|---|');
    for (const row of result.rows) {
      const target = row.target ? `${row.target} ${row.met === undefined ? '' : row.met ? '✅' : '❌'}`.trim() : '';
      const ratio = row.ratio === null || Number.isNaN(row.ratio) ? '–' : `${cell(row.ratio)}×`;
      out.push(`| ${row.metric} | ${cell(row.ours)} ${row.unit} | ${cell(row.baseline)} ${row.unit} (${row.baselineName}) | ${ratio} | ${target} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
