// Seeding throughput on disk (issue 10's goal: at least 500 exceptions/s with the chosen durability):
// request → approve → apply through the real use cases on SQLite and a GitOps folder, each exception
// on its own and then with approvals and applies in batches, side by side in one run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seed } from './support/seed.mjs';
import { benchSize, scaled } from './support/size.mjs';

const COUNT = benchSize(2000, 100);
const rates = {};
for (const batched of [false, true]) {
  const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-seed-'));
  const started = performance.now();
  await seed(join(dir, 'w.db'), join(dir, 'gitops'), COUNT, { batched });
  const seconds = (performance.now() - started) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const label = batched ? 'batched (approve/apply 500 ids a call)' : 'one at a time';
  rates[batched ? 'batched' : 'single'] = COUNT / seconds;
  console.log(`${label}: ${COUNT} exceptions in ${seconds.toFixed(2)} s = ${(COUNT / seconds).toFixed(0)}/s`);
}
console.log(
  `batched / one at a time: ${(rates.batched / rates.single).toFixed(2)}x (goal: batched >= 500/s)`,
);
