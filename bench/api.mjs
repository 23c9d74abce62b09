// DESIGN.md §7: listing a page of 100 out of 10,000 active exceptions at 50 connections keeps at least
// 0.6x the throughput of a bare Fastify route serving the same JSON from memory; the server with
// 10,000 exceptions stays under 200 MB peak RSS (VmHWM). Both servers run in child processes;
// autocannon runs here.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { seed } from './support/seed.mjs';
import { benchSize, scaled } from './support/size.mjs';
import { startChild } from './support/waiver-server.mjs';

const COUNT = benchSize(10_000, 200);
const DURATION = scaled(10, 1);
const CONNECTIONS = 50;
const PATH = '/api/v1/exceptions?state=active&limit=100';
const ADMIN = 'bench-admin-token-0123456789abcdefghijklmnop';

const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-api-'));
const started = Date.now();
await seed(join(dir, 'w.db'), join(dir, 'gitops'), COUNT);
console.log(
  `seeded ${COUNT} active exceptions through request, approve and apply in ${Date.now() - started} ms`,
);

/** Starts a child and resolves with the URL it prints (bench/support/waiver-server.mjs). */
const start = (args, env = {}) => startChild(args, { cwd: dir, env });

async function load(url, headers) {
  const result = await autocannon({
    url: `${url}${PATH}`,
    connections: CONNECTIONS,
    duration: DURATION,
    headers,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

/** The peak resident memory of a process so far (VmHWM), in bytes, as the kernel counts it. */
const peakRssOf = (pid) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

const line = (label, r) =>
  console.log(
    `${label.padEnd(34)} ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  (${r.requests.total} requests, ${(r.throughput.average / 1e6).toFixed(1)} MB/s)`,
  );

const bin = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
const results = {};
for (const level of ['warn', 'info']) {
  const waiver = await start([bin, 'serve', '--port', '0', '--no-sweep'], {
    WAIVER_DB: join(dir, 'w.db'),
    WAIVER_TARGET_DIR: join(dir, 'gitops'),
    WAIVER_ADMIN_TOKEN: ADMIN,
    WAIVER_LOG_LEVEL: level,
  });
  const headers = { authorization: `Bearer ${ADMIN}` };
  const first = await (await fetch(`${waiver.url}${PATH}`, { headers })).json();
  if (first.items.length !== 100) throw new Error(`expected a page of 100, got ${first.items.length}`);
  writeFileSync(join(dir, 'page.json'), JSON.stringify(first));
  await load(waiver.url, headers); // warm-up
  results[level] = await load(waiver.url, headers);
  results[`${level}ServingRss`] = peakRssOf(waiver.child.pid);
  // A Prometheus scrape lists every exception and folds the whole audit trail: the high-water mark.
  await (await fetch(`${waiver.url}/metrics`, { headers })).text();
  results[`${level}Rss`] = peakRssOf(waiver.child.pid);
  waiver.child.kill('SIGTERM');
}

const bare = await start([
  fileURLToPath(new URL('./support/bare-fastify.mjs', import.meta.url)),
  join(dir, 'page.json'),
]);
await load(bare.url, {}); // warm-up
const baseline = await load(bare.url, {});
bare.child.kill('SIGTERM');

console.log(`GET ${PATH}, ${CONNECTIONS} connections, ${DURATION} s each, ${COUNT} exceptions in SQLite`);
line('bare Fastify, same JSON from memory', baseline);
line('waiver (request logs off: warn)', results.warn);
line('waiver (request logs on: info)', results.info);
const ratio = (r) => (r.requests.average / baseline.requests.average).toFixed(2);
console.log(
  `throughput ratio waiver/bare: ${ratio(results.warn)} (logs off), ${ratio(results.info)} (logs on); budget >= 0.60`,
);
const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;
console.log(
  `server peak RSS (VmHWM) under load: ${mb(results.warnServingRss)} (logs off), ${mb(results.infoServingRss)} (logs on); after a /metrics scrape: ${mb(results.warnRss)}, ${mb(results.infoRss)}; budget < 200 MB`,
);
rmSync(dir, { recursive: true, force: true });
