// /metrics at 10,000 exceptions (DESIGN.md §7: a scrape under 50 ms, memory flat over repeated scrapes).
// Seeds through the real use cases, serves with the composition root on SQLite, scrapes 100 times, and
// prints the times beside a full read of the trail (what every scrape did before the tracker).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../dist/src/config/load.js';
import { localActor } from '../dist/src/service/actor.js';
import { createWaiver } from '../dist/src/service/waiver.js';
import { openServiceDeps } from '../dist/src/wire/deps.js';
import { startServer } from '../dist/src/wire/server.js';
import { seed } from './support/seed.mjs';
import { benchSize, scaled } from './support/size.mjs';

const COUNT = benchSize(10_000, 200);
const SCRAPES = scaled(100, 4);
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-metrics-'));
const database = join(dir, 'w.db');
const token = 'bench-admin-token-0123456789abcdefghijklmnop';
const t0 = performance.now();
await seed(database, join(dir, 'gitops'), COUNT);
console.log(`seeded ${COUNT} exceptions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const config = await loadConfig(
  { database, targetDir: join(dir, 'gitops'), as: 'bench' },
  { WAIVER_ADMIN_TOKEN: token, WAIVER_PORT: '0', WAIVER_LOG_LEVEL: 'warn' },
);
const server = await startServer(config, { periodic: false, deliver: false, print: () => undefined });
const ms = [];
const rss = () => Math.round(process.memoryUsage().rss / 1e6);
const heap = () => Math.round(process.memoryUsage().heapUsed / 1e6);
const rssBefore = rss();
const memory = [];
for (let i = 0; i < SCRAPES; i++) {
  const started = performance.now();
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  await res.text();
  ms.push(performance.now() - started);
  if (i === 0 || i === SCRAPES / 2 - 1 || i === SCRAPES - 1) {
    globalThis.gc?.();
    memory.push(`after scrape ${i + 1}: RSS ${rss()} MB, heap ${heap()} MB`);
  }
}
await server.close();

const deps = await openServiceDeps(config, { log: () => undefined });
const full = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  await createWaiver(deps, localActor('bench')).metrics();
  full.push(performance.now() - started);
}
await deps.store.close();
rmSync(dir, { recursive: true, force: true });

const sorted = [...ms].sort((a, b) => a - b);
const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
console.log(
  `/metrics at ${COUNT} exceptions, ${SCRAPES} scrapes: first ${ms[0].toFixed(1)} ms, median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted.at(-1).toFixed(1)} ms`,
);
console.log(
  `full read of the trail per scrape (before): median ${[...full].sort((a, b) => a - b)[2].toFixed(1)} ms`,
);
console.log(`RSS ${rssBefore} MB before the first scrape (which folds the whole trail once)`);
for (const line of memory) console.log(line);
