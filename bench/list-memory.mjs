// Issue 23: the largest pages, many at once, stay under the chart's default memory limit (512 Mi) and
// leave /healthz answering. Seeds as many exceptions as its first argument says (200; 20 with --tiny) at
// the largest size the guardrails allow, then widens their rows in SQL to what a database from before the
// size rule may hold (100 namespaces of 63 characters, 100 name patterns of 250, 2,000 characters of
// reason and risk: about 36 KB a record); WIDEN=0 keeps them as requested. CONCURRENCY clients (100; 10
// with --tiny) each read the whole inventory in pages of limit=500 at the same moment while /healthz is
// asked every 50 ms from a process of its own. Prints the server's peak RSS (VmHWM), the pages' sizes and
// the /healthz latencies; asserts nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { loadConfig } from '../dist/src/config/load.js';
import { localActor } from '../dist/src/service/actor.js';
import { createWaiver } from '../dist/src/service/waiver.js';
import { openServiceDeps } from '../dist/src/wire/deps.js';
import { benchSize, scaled } from './support/size.mjs';
import { startChild } from './support/waiver-server.mjs';

const COUNT = benchSize(200, 20);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? scaled(100, 10));
const WIDEN = process.env.WIDEN !== '0';
const ADMIN = 'bench-admin-token-0123456789abcdefghijklmnop';
const PATH = '/api/v1/exceptions?limit=500';

const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-list-memory-'));
const database = join(dir, 'w.db');

// The largest request the guardrails take: 100 namespaces, 2,000 characters of reason and risk, and
// name patterns up to 16,384 characters in all.
const largest = (i) => ({
  name: `largest-${i}`,
  namespaces: Array.from({ length: 100 }, (_, n) => `team-${n}-`.padEnd(63, 'n')),
  names: Array.from({ length: 23 }, (_, n) => `app-${i}-${n}-`.padEnd(249, 'p').concat('*')),
  category: 'vendor-image',
  ticket: `VEN-${i}`,
  reason: `Vendor images of team ${i} are signed by the vendor's key only from next month. `.padEnd(
    2000,
    'x',
  ),
  riskAssessment: `Risk of team ${i}: `.padEnd(2000, 'r'),
  expires: '20d',
});

const config = await loadConfig({ database, targetDir: join(dir, 'gitops'), as: 'alice' }, {});
const deps = await openServiceDeps(config, { log: () => undefined });
const alice = createWaiver(deps, localActor('alice'));
const t0 = performance.now();
for (let i = 1; i <= COUNT; i++) await alice.request(largest(i));
await deps.store.close();
if (WIDEN) {
  const db = new BetterSqlite3(database);
  db.prepare('update exceptions set namespaces = ?, names = ?').run(
    JSON.stringify(Array.from({ length: 100 }, (_, n) => `team-${n}-`.padEnd(63, 'n'))),
    JSON.stringify(Array.from({ length: 100 }, (_, n) => `app-${n}-`.padEnd(249, 'p').concat('*'))),
  );
  db.close();
}
console.log(
  `seeded ${COUNT} exceptions in ${((performance.now() - t0) / 1000).toFixed(1)} s` +
    (WIDEN
      ? ', rows widened to the pre-rule largest (about 36 KB a record)'
      : ', at the largest the rules allow'),
);

/** Starts a child and resolves with the URL it prints; its standard error is shown. */
const start = (args, env) => startChild(args, { cwd: dir, env, stderr: 'show' });

/** CPU seconds a process has used (user and system), as the kernel counts them. */
const cpuSecondsOf = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const peakRssOf = (pid) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;

const bin = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
const server = await start(
  [
    ...(process.env.SERVER_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.SERVER_PROFILE] : []),
    bin,
    'serve',
    '--port',
    '0',
    '--no-sweep',
  ],
  {
    WAIVER_DB: database,
    WAIVER_TARGET_DIR: join(dir, 'gitops'),
    WAIVER_ADMIN_TOKEN: ADMIN,
    WAIVER_LOG_LEVEL: 'warn',
  },
);
const headers = { authorization: `Bearer ${ADMIN}` };
// One page first: the server loads the listing's modules on its first request, a cost of starting once.
await (await fetch(`${server.url}${PATH}`, { headers })).text();
const idle = peakRssOf(server.child.pid);

const statuses = new Map();
const pageBytes = [];
/** One client reading every page of the inventory; a 503 is counted and tried again after Retry-After. */
async function readAll() {
  let next;
  let rows = 0;
  do {
    let res;
    let text;
    try {
      res = await fetch(`${server.url}${PATH}${next === undefined ? '' : `&continue=${next}`}`, { headers });
      text = await res.text();
    } catch (e) {
      // Counted and tried again: a refused or reset connection is an answer the bench reports.
      const reason = e.cause?.code ?? e.message;
      statuses.set(reason, (statuses.get(reason) ?? 0) + 1);
      continue;
    }
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 503) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      continue;
    }
    if (res.status !== 200) throw new Error(`${res.status}: ${text.slice(0, 200)}`);
    pageBytes.push(Buffer.byteLength(text));
    // The page's tail and its ids are enough here: parsing megabytes would load this process, not the server.
    rows += text.match(/\{"id":"EX-\d+"/g)?.length ?? 0;
    next = /"continue":"(\d+)"\}$/.exec(text)?.[1];
  } while (next !== undefined);
  return rows;
}

// /healthz is asked from a process of its own: the readers here parse megabytes, and their event loop's
// delays must not count as the server's.
const PROBE = `
  const latencies = [], failures = [];
  let stop = false;
  process.on('SIGTERM', () => { stop = true; });
  process.stderr.write('ready\\n');
  (async () => {
    while (!stop) {
      const started = performance.now();
      try { await (await fetch(process.argv[1] + '/healthz')).text(); latencies.push(performance.now() - started); }
      catch (e) { failures.push(e.cause?.code ?? e.message); }
      await new Promise((r) => setTimeout(r, 50));
    }
    process.stdout.write(JSON.stringify({ latencies, failures }));
  })();`;
const prober = spawn(process.execPath, ['-e', PROBE, server.url]);
let probeOutput = '';
prober.stdout.on('data', (d) => (probeOutput += d));
const probed = new Promise((resolve) => prober.on('exit', resolve));
await new Promise((resolve) => prober.stderr.once('data', resolve));
const cpuBefore = cpuSecondsOf(server.child.pid);
const started = performance.now();
const rows = await Promise.all(Array.from({ length: CONCURRENCY }, readAll));
const elapsed = performance.now() - started;
prober.kill('SIGTERM');
await probed;
const { latencies: health, failures: healthFailures } = JSON.parse(probeOutput);
const peak = peakRssOf(server.child.pid);
const cpu = cpuSecondsOf(server.child.pid) - cpuBefore;
server.child.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const at = (xs, q) => sorted(xs)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
console.log(
  `${CONCURRENCY} clients each read every page of GET ${PATH}: ${(elapsed / 1000).toFixed(1)} s in all, ` +
    `${rows.every((r) => r === COUNT) ? `all ${COUNT} rows each` : `rows seen: ${[...new Set(rows)].join(', ')}`}`,
);
console.log(
  `pages: ${pageBytes.length}, largest ${mb(Math.max(...pageBytes))} (${Math.max(...pageBytes)} bytes), ` +
    `statuses ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')}`,
);
if (healthFailures.length > 0) console.log(`/healthz failures: ${healthFailures.join(', ')}`);
console.log(
  health.length === 0
    ? '/healthz while loaded: the load ended before a probe was answered'
    : `/healthz while loaded: ${health.length} probes, median ${at(health, 0.5).toFixed(1)} ms, ` +
        `p99 ${at(health, 0.99).toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms (budget < 1000 ms)`,
);
// On a shared machine the server may wait for a core: its CPU time beside the wall time tells how much.
const load = loadavg().map((l) => l.toFixed(1));
console.log(
  `server CPU time under the load: ${cpu.toFixed(1)} s in ${(elapsed / 1000).toFixed(1)} s of wall time; ` +
    `load average ${load.join(', ')} on ${availableParallelism()} cores`,
);
console.log(
  `server peak RSS (VmHWM): ${mb(idle)} before the load, ${mb(peak)} at its highest (chart limit 512 Mi)`,
);
