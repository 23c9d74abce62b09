// `waiver export oscal --model poam` of 50,000 exceptions with 300,000 audit events (issue 28's goal:
// streamed, under 10 s and 200 MB), in a cold process writing to a file: wall time and peak resident
// memory (VmHWM). The history is written straight into the tables (a real hash chain, rows as the store
// writes them), since seeding it through the use cases would take longer than the measure.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { sealEvent } from '../dist/src/domain/audit.js';
import { newRequest } from '../dist/src/domain/new-request.js';
import { openSqliteStore } from '../dist/src/store/open-sqlite.js';
import { toRow } from '../dist/src/store/rows.js';
import { sha256 } from '../dist/src/system/sha256.js';
import { goal, rounds } from './support/goal.mjs';
import { benchSize, scaled } from './support/size.mjs';

const COUNT = benchSize(50_000, 300);
const EVENTS_EACH = 6;
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-export-'));
const db = join(dir, 'w.db');

/** Six events an exception: requested, approved, applied, synced, reminded, and its end. */
async function seedHistory() {
  (await openSqliteStore(db)).close();
  const sql = new BetterSqlite3(db);
  const insertException = sql.prepare(
    `insert into exceptions (${columns.join(', ')}, version) values (${columns.map((c) => `@${c}`).join(', ')}, 1)`,
  );
  const insertEvent = sql.prepare(
    'insert into audit_events (seq, at, actor, action, exception_id, data, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const day = 86_400_000;
  const start = Date.parse('2026-01-01T00:00:00Z');
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let last;
  sql.transaction(() => {
    for (let i = 1; i <= COUNT; i++) {
      const at = start + i * 60_000;
      const { record, event } = newRequest({
        scope: {
          name: `app-${i}-mig-${i}`,
          policy: 'require-image-signature',
          rules: ['check-image-signature'],
          kinds: ['Pod'],
          namespaces: [`team-${i % 50}`],
          names: [`app-${i}-*`],
        },
        justification: {
          category: 'legacy-migration',
          ticket: `MIG-${i}`,
          reason: 'Legacy images move to the signed pipeline during the migration',
          riskAssessment: null,
          expiresAt: iso(at + 14 * day),
          riskRating:
            i % 3 === 0
              ? { before: { likelihood: 4, impact: 3 }, after: { likelihood: 2, impact: 3 } }
              : null,
          compensatingControls:
            i % 3 === 0 ? 'Egress limited to the registry; admission logs reviewed daily' : null,
          falsePositive: i % 7 === 0 ? 'The images are signed by a key the policy does not list yet' : null,
          validations: [],
        },
        requestor: 'alice',
        now: iso(at),
        apiVersion: 'kyverno.io/v2',
        target: 'folder',
        controls: [{ catalog: 'nist-800-53-rev5', id: 'si-7' }],
      });
      const ended = i % 2 === 0;
      const row = {
        ...record,
        state: ended ? 'removed' : 'active',
        endReason: ended ? 'expired' : null,
        closureReason: ended ? 'expired-and-removed' : null,
        syncStatus: 'synced',
        approver: 'bob',
        applier: 'carol',
        approvedAt: iso(at + 1000),
        appliedAt: iso(at + 2000),
        remindedAt: iso(at + 7 * day),
        removedAt: ended ? iso(at + 14 * day) : null,
      };
      insertException.run({ ...toRow(row), id: i });
      const events = [
        [at, 'alice', event.action, event.data],
        [at + 1000, 'bob', 'approved', { from: 'pending', to: 'approved', comment: 'risk accepted' }],
        [at + 2000, 'carol', 'applied', { from: 'approved', to: 'active' }],
        [at + 3000, 'waiver-controller', 'synced', { operation: 'write' }],
        [at + 7 * day, 'waiver-controller', 'reminded', { from: 'active', to: 'active' }],
        ended
          ? [
              at + 14 * day,
              'waiver-controller',
              'expired',
              { from: 'active', to: 'removed', closureReason: 'expired-and-removed' },
            ]
          : [
              at + 8 * day,
              'bob',
              'escalated',
              { from: 'active', to: 'active', comment: 'needs a policy change' },
            ],
      ];
      for (const [ms, actor, action, data] of events) {
        const sealed = sealEvent(
          last,
          { at: iso(ms), actor, action, exceptionId: i, data },
          undefined,
          sha256,
        );
        insertEvent.run(
          sealed.seq,
          sealed.at,
          actor,
          action,
          i,
          JSON.stringify(sealed.data),
          sealed.prevHash,
          sealed.hash,
        );
        last = sealed;
      }
    }
  })();
  sql.close();
}
const columns = Object.keys(toRow(newRequestShape())).concat('id');
function newRequestShape() {
  return newRequest({
    scope: { name: 'x', policy: 'p', rules: [], kinds: ['Pod'], namespaces: ['n'], names: ['x-*'] },
    justification: {
      category: 'legacy-migration',
      ticket: 'A-1',
      reason: 'r',
      riskAssessment: null,
      expiresAt: '2026-01-01T00:00:00Z',
      riskRating: null,
      compensatingControls: null,
      falsePositive: null,
      validations: [],
    },
    requestor: 'a',
    now: '2026-01-01T00:00:00Z',
    apiVersion: 'kyverno.io/v2',
    target: 'folder',
  }).record;
}

const started = performance.now();
await seedHistory();
console.log(
  `seeded ${COUNT} exceptions and ${COUNT * EVENTS_EACH} events in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const env = { ...process.env, WAIVER_DB: db, WAIVER_TARGET_DIR: join(dir, 'gitops'), WAIVER_USER: 'bench' };
const peaks = [];
const cpu = [];
let bytes = 0;
const times = await rounds(scaled(3, 1), () => {
  const out = join(dir, 'poam.json');
  const fd = openSync(out, 'w');
  const begin = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      '--require',
      here('./support/peak-memory.cjs'),
      '--require',
      here('./support/cpu-time.cjs'),
      here('../dist/cli/bin.js'),
      'export',
      'oscal',
      '--model',
      'poam',
    ],
    { env, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' },
  );
  const ms = performance.now() - begin;
  closeSync(fd);
  if (r.status !== 0) throw new Error(`waiver export oscal: ${r.stderr}`);
  peaks.push(Number(/peak-rss-kb (\d+)/.exec(r.stderr)?.[1]) / 1024);
  cpu.push(Number(/cpu-ms (\d+)/.exec(r.stderr)?.[1]));
  bytes = statSync(out).size;
  return ms;
});
console.log(`the POA&M: ${(bytes / 1e6).toFixed(1)} MB`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
goal({
  name: `OSCAL POA&M export, ${COUNT} exceptions / ${COUNT * EVENTS_EACH} events (cold process)`,
  unit: 'ms',
  measured: times,
  target: '< 10 s at 50,000 / 300,000',
  met: COUNT < 50_000 ? undefined : median(times) < 10_000,
});
goal({
  name: `OSCAL POA&M export CPU time (user + system), ${COUNT} exceptions`,
  unit: 'ms',
  measured: cpu,
  target: '< 10 s at 50,000 / 300,000 (wall time on an idle machine)',
  met: COUNT < 50_000 ? undefined : median(cpu) < 10_000,
});
goal({
  name: `OSCAL POA&M export peak memory, ${COUNT} exceptions`,
  unit: 'MB',
  measured: peaks,
  target: '< 200 MB at 50,000 / 300,000',
  met: COUNT < 50_000 ? undefined : median(peaks) < 200,
});
if (process.env.WAIVER_BENCH_KEEP) console.log(`kept ${db}`);
else rmSync(dir, { recursive: true, force: true });
