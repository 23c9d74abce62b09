// `waiver get -A` over 1,000 exceptions in a cold process (~150 ms on 2 cores), and `waiver --version` against `node -e 0` (goal ≤ 1.5×).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goal, summary } from './support/goal.mjs';
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

// `waiver --version` against the process floor, in turn so that a drift of the machine's speed hits both.
const floor = [];
const version = [];
for (let i = 0; i < Math.max(5, runs); i += 1) {
  floor.push(time(['-e', '0']));
  version.push(time([bin, '--version']));
}
goal({
  name: '`waiver --version`',
  unit: 'ms',
  measured: version,
  anchor: floor,
  anchorName: 'node -e 0',
  target: '≤ 1.5× node -e 0',
  met: summary(version).median <= 1.5 * summary(floor).median,
});
rmSync(dir, { recursive: true, force: true });
