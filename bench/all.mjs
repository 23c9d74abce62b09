// Runs every benchmark in bench/ (each file of this folder but this one), one after another, and stops at
// the first that fails. `node bench/all.mjs` runs each at its full size; `node bench/all.mjs --tiny` runs
// each at a size that takes seconds, as CI does, so that a benchmark that no longer runs fails CI. The
// figures are printed, never asserted. Needs `npm run build` first (the benchmarks import dist/).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const passed = process.argv.slice(2);
const only = passed.filter((a) => a.endsWith('.mjs'));
const flags = passed.filter((a) => !a.endsWith('.mjs'));
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'all.mjs')
  .filter((f) => only.length === 0 || only.includes(f))
  .sort();

// Each benchmark appends the goals it measured (bench/support/goal.mjs) to this file; the table ends the run.
const goalsFolder = mkdtempSync(join(tmpdir(), 'waiver-bench-'));
const goalsFile = join(goalsFolder, 'goals.jsonl');
process.env.WAIVER_BENCH_GOALS = goalsFile;

for (const bench of benches) {
  console.log(`\n## bench/${bench} ${flags.join(' ')}`.trimEnd());
  const started = process.hrtime.bigint();
  // --expose-gc lets a benchmark that measures memory collect before it reads the figure.
  const run = spawnSync(process.execPath, ['--expose-gc', `${here}${bench}`, ...flags], { stdio: 'inherit' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) {
    console.error(`bench/${bench} failed (exit ${run.status ?? run.signal}) after ${seconds.toFixed(1)} s`);
    process.exit(1);
  }
  console.log(`(bench/${bench}: ${seconds.toFixed(1)} s)`);
}
console.log(`\n${benches.length} benchmarks ran to the end`);
printGoals();

function printGoals() {
  let lines = [];
  try {
    lines = readFileSync(goalsFile, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return;
  } finally {
    rmSync(goalsFolder, { recursive: true, force: true });
  }
  console.log('\n## Goals (median (min–max) of the rounds; each against its anchor in the same run)\n');
  console.log('| measure | measured | anchor | ratio | goal | |');
  console.log('|---|---|---|---|---|---|');
  for (const row of lines.map((l) => JSON.parse(l))) {
    console.log(
      `| ${row.name} | ${row.measured} | ${row.anchor} | ${row.ratio} | ${row.target} | ${row.met} |`,
    );
  }
}
