// `waiver get -A` over 1,000 exceptions in a cold process (DESIGN.md §7: ~150 ms on 2 cores).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seed } from './support/seed.mjs';
import { benchSize, scaled } from './support/size.mjs';

const COUNT = benchSize(1000, 100);
const runs = scaled(20, 2);
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-'));
const db = join(dir, 'w.db');
const started = Date.now();
await seed(db, join(dir, 'gitops'), COUNT);
console.log(`seeded ${COUNT} exceptions through request, approve and apply in ${Date.now() - started} ms`);
const bin = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
const env = { ...process.env, WAIVER_DB: db, WAIVER_TARGET_DIR: dir, WAIVER_USER: 'bench' };

const time = (args) => {
  const start = process.hrtime.bigint();
  // -o json of thousands of exceptions is more than spawnSync's default 1 MiB of output.
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
};
const stats = (label, samples) => {
  const s = [...samples].sort((a, b) => a - b);
  const pick = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(1);
  console.log(
    `${label.padEnd(28)} runs ${s.length}  median ${pick(0.5)} ms  p90 ${pick(0.9)} ms  min ${s[0].toFixed(1)} ms`,
  );
};

const lines =
  execFileSync(process.execPath, [bin, 'get', '-A'], { env, encoding: 'utf8' }).trim().split('\n').length - 1;
console.log(`waiver get -A lists ${lines} exceptions`);
stats(
  'node -e 0 (process floor)',
  Array.from({ length: runs }, () => time(['-e', '0'])),
);
stats(
  'waiver get -A',
  Array.from({ length: runs }, () => time([bin, 'get', '-A'])),
);
stats(
  'waiver get -A -o json',
  Array.from({ length: runs }, () => time([bin, 'get', '-A', '-o', 'json'])),
);
rmSync(dir, { recursive: true, force: true });
