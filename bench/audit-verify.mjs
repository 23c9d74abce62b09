// `waiver audit --verify` at 50,000 exceptions (issue 10's goal: under 150 MB peak), in a cold process,
// side by side with what it did before (the whole trail read twice, bench/support/verify-whole-trail.mjs):
// wall time and peak resident memory (VmHWM) of each.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seed } from './support/seed.mjs';
import { benchSize, scaled } from './support/size.mjs';

const COUNT = benchSize(50_000, 200);
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-verify-'));
const db = join(dir, 'w.db');
const started = performance.now();
await seed(db, join(dir, 'gitops'), COUNT);
console.log(`seeded ${COUNT} exceptions in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const env = { ...process.env, WAIVER_DB: db, WAIVER_TARGET_DIR: join(dir, 'gitops'), WAIVER_USER: 'bench' };
function measure(label, args) {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--require', here('./support/peak-memory.cjs'), ...args], {
    env,
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${label}: ${r.stderr}`);
  const peakMb = Number(/peak-rss-kb (\d+)/.exec(r.stderr)?.[1]) / 1024;
  console.log(
    `${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms  peak RSS ${peakMb.toFixed(0)} MB  (${r.stdout.trim()})`,
  );
  return { ms, peakMb };
}
const now = measure('waiver audit --verify (pages)', [here('../dist/cli/bin.js'), 'audit', '--verify']);
const before = measure('the whole trail, read twice', [here('./support/verify-whole-trail.mjs'), db]);
console.log(
  `pages / whole trail: time ${(now.ms / before.ms).toFixed(2)}x, peak memory ${(now.peakMb / before.peakMb).toFixed(2)}x (goal: under 150 MB)`,
);
rmSync(dir, { recursive: true, force: true });
