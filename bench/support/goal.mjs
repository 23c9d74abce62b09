// The goals a benchmark holds itself to, printed beside what it measured. Each figure is a median of
// several rounds with its spread (min–max), measured against an anchor in the same run: the same work done
// by a bare tool (bare Fastify, a hand-run git sequence, raw SQLite, `node -e 0`). Nothing is asserted: the
// figures are printed, and `bench/all.mjs` gathers every goal of the run into one table at the end.
import { appendFileSync } from 'node:fs';

/** Runs `work` `count` times one after another and returns the figures it gives (or its duration in ms). */
export async function rounds(count, work) {
  const figures = [];
  for (let i = 0; i < count; i += 1) {
    const started = process.hrtime.bigint();
    const given = await work(i);
    figures.push(typeof given === 'number' ? given : Number(process.hrtime.bigint() - started) / 1e6);
  }
  return figures;
}

/** Median, minimum and maximum of a list of figures. */
export function summary(figures) {
  const sorted = [...figures].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

const figure = (value, unit) =>
  `${value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2)} ${unit}`;

/** `median (min–max) unit, n=` as printed in the goal table. */
export const spread = (figures, unit) => {
  const s = summary(figures);
  return `${figure(s.median, unit)} (${figure(s.min, '').trim()}–${figure(s.max, '').trim()}), n=${s.n}`;
};

/**
 * Prints one goal: what was measured, its anchor when it has one, and the goal itself, e.g.
 * goal({ name: '/metrics scrape at 50k', unit: 'ms', measured, anchor, anchorName: 'bare Fastify',
 * target: '< 20 ms', met: median < 20 }).
 */
export function goal({ name, unit, measured, anchor, anchorName, target, met }) {
  const m = summary(measured);
  const a = anchor ? summary(anchor) : undefined;
  const row = {
    name,
    measured: spread(measured, unit),
    anchor: a ? `${anchorName}: ${spread(anchor, unit)}` : '',
    ratio: a && a.median > 0 ? `${(m.median / a.median).toFixed(2)}×` : '',
    target,
    met: met === undefined ? '' : met ? 'met' : 'NOT MET',
  };
  console.log(
    `GOAL ${row.name}: ${row.measured}${row.anchor ? ` vs ${row.anchor} = ${row.ratio}` : ''}; goal ${row.target}` +
      (row.met ? ` (${row.met})` : ''),
  );
  if (process.env.WAIVER_BENCH_GOALS)
    appendFileSync(process.env.WAIVER_BENCH_GOALS, `${JSON.stringify(row)}\n`);
  return row;
}
