// What SQLite itself allows for seeding (issue 25, item 5): the rows Waiver writes to take an exception
// through request → approve → apply, written by better-sqlite3 alone, in the transactions Waiver commits
// them in (a batch of requests; the batch's approvals; its applies; its synced outcomes), with the store's
// pragmas (write-ahead log, synchronous = NORMAL, a server's 32 MiB page cache) and its schema (the real
// migrations, so every index is there). Each exception is one row inserted and updated three times, four
// hash-chained audit events carrying the record's digest, and three outbox rows (requested, approved,
// applied: a channel configured, not delivered). No HTTP, no validation, no target files. With `files`, a
// second anchor: the same rows and each exception's manifest written to a folder as the folder target must
// write it (decision 0011: a temp file, its fsync, a rename, the folder's fsync once a batch).
// bench/seed-throughput.mjs uses this as the anchor of its goal; run alone it prints its rate.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { openSqliteStore } from '../dist/src/store/open-sqlite.js';
import { rounds, spread } from './support/goal.mjs';
import { benchSize, scaled } from './support/size.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const REASON = 'Legacy images move to the signed pipeline during the migration';

/** A manifest of the size Waiver renders for one of these exceptions (about 1.2 kB). */
const manifestText = (row) =>
  `apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata:\n  name: ${row.name}\n  namespace: policy-exceptions\n` +
  `  annotations:\n    requestor: ${row.requestor}\n    jira-ticket: ${row.ticket}\n    reason: ${REASON}\n` +
  `    risk-acceptance: bob\n    expiry-reminder: "${row.expires_at}"\n    waiver.io/id: "${row.id}"\n` +
  `spec:\n  exceptions:\n    - policyName: ${row.policy}\n      ruleNames:\n        - check-image-signature\n` +
  `  match:\n    any:\n      - resources:\n          kinds:\n            - Pod\n          namespaces:\n` +
  `            - ${JSON.parse(row.namespaces)[0]}\n          names:\n            - ${JSON.parse(row.names)[0]}\n` +
  `  conditions:\n    all:\n      - key: "{{ time_before('{{ time_now_utc() }}', '${row.expires_at}') }}"\n` +
  `        operator: Equals\n        value: true\n`.padEnd(1200, ' ');

/** One file written as the folder target writes it: a temp file, its fsync, a rename. */
async function writeAtomically(folder, name, text) {
  const temp = join(folder, `${name}.yaml.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(folder, `${name}.yaml`));
}

async function syncFolder(folder) {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Seeds `count` exceptions into a new database at `path`, `batch` a transaction of each step; with
 * `files`, each applied exception's manifest is written there (16 at a time, as the target writes) before
 * its synced outcome is committed. Exceptions/s.
 */
export async function sqliteLimit(path, count, batch, files) {
  if (files) mkdirSync(files, { recursive: true });
  await (await openSqliteStore(path)).close();
  const db = new BetterSqlite3(path);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = normal');
  db.pragma('wal_autocheckpoint = 1000');
  db.pragma('cache_size = -32768');
  const insertException = db.prepare(
    `insert into exceptions (name, policy, rules, kinds, namespaces, names, category, ticket, reason,
       risk_assessment, expires_at, state, end_reason, sync_status, sync_error, requestor, approver, applier,
       requested_at, approved_at, applied_at, removed_at, reminded_at, escalated_at, renewal_of,
       renewal_count, api_version, version, target, sync_revision, sync_url)
     values (@name, @policy, @rules, @kinds, @namespaces, @names, @category, @ticket, @reason,
       @risk_assessment, @expires_at, @state, @end_reason, @sync_status, @sync_error, @requestor, @approver,
       @applier, @requested_at, @approved_at, @applied_at, @removed_at, @reminded_at, @escalated_at,
       @renewal_of, @renewal_count, @api_version, @version, @target, @sync_revision, @sync_url)`,
  );
  const approve = db.prepare(
    'update exceptions set state = ?, approver = ?, approved_at = ?, version = ? where id = ? and version = ?',
  );
  const apply = db.prepare(
    'update exceptions set state = ?, applier = ?, applied_at = ?, sync_status = ?, version = ? where id = ? and version = ?',
  );
  const synced = db.prepare(
    'update exceptions set sync_status = ?, version = ? where id = ? and version = ?',
  );
  const insertEvent = db.prepare(
    'insert into audit_events (seq, at, actor, action, exception_id, data, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertOutbox = db.prepare(
    `insert into notifications (key, channel, event, exception_id, recipients, payload, state, attempts,
       next_attempt_at, created_at) values (?, 'audit', ?, ?, '[]', ?, 'pending', 0, ?, ?)
     on conflict (key, channel) do nothing`,
  );
  const bump = db.prepare('update store_meta set version = version + 1 where id = 1');
  let link = db.prepare('select seq, hash from audit_events order by seq desc limit 1').get() ?? {
    seq: 0,
    hash: '',
  };

  /** The audit event and, for a notified action, its outbox row, as Waiver writes them. */
  const record = (row, actor, action, data, notify) => {
    const at = row.requested_at;
    const full = { ...data, record: sha256(JSON.stringify(row)) };
    const event = { seq: link.seq + 1, at, actor, action, exceptionId: row.id, data: full };
    const hash = sha256(`${link.hash}\n${JSON.stringify(event)}`);
    insertEvent.run(
      event.seq,
      at,
      actor,
      action,
      row.id,
      JSON.stringify(full),
      link.hash || `genesis-${event.seq}`,
      hash,
    );
    link = { seq: event.seq, hash };
    if (notify)
      insertOutbox.run(
        `${action}:${row.id}:${event.seq}`,
        action,
        row.id,
        JSON.stringify({ at, actor, exception: row, details: data }),
        at,
        at,
      );
  };

  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const started = performance.now();
  for (let first = 0; first < count; first += batch) {
    const rows = [];
    db.transaction(() => {
      for (let i = first; i < Math.min(count, first + batch); i += 1) {
        const row = {
          name: `app-${i}`,
          policy: 'require-image-signature',
          rules: '["check-image-signature"]',
          kinds: '["Pod"]',
          namespaces: JSON.stringify([`team-${i % 50}`]),
          names: JSON.stringify([`app-${i}-*`]),
          category: 'legacy-migration',
          ticket: `MIG-${i}`,
          reason: REASON,
          risk_assessment: null,
          expires_at: now,
          state: 'pending',
          end_reason: null,
          sync_status: 'none',
          sync_error: null,
          requestor: 'alice',
          approver: null,
          applier: null,
          requested_at: now,
          approved_at: null,
          applied_at: null,
          removed_at: null,
          reminded_at: null,
          escalated_at: null,
          renewal_of: null,
          renewal_count: 0,
          api_version: 'kyverno.io/v2',
          version: 1,
          target: 'folder',
          sync_revision: null,
          sync_url: null,
        };
        row.id = Number(insertException.run(row).lastInsertRowid);
        const { id: _id, version: _v, ...data } = row;
        record(row, 'alice', 'requested', data, true);
        rows.push(row);
      }
      bump.run();
    }).immediate();
    db.transaction(() => {
      for (const row of rows) {
        approve.run('approved', 'bob', now, row.version + 1, row.id, row.version);
        Object.assign(row, {
          state: 'approved',
          approver: 'bob',
          approved_at: now,
          version: row.version + 1,
        });
        record(row, 'bob', 'approved', { from: 'pending', to: 'approved' }, true);
      }
      bump.run();
    }).immediate();
    db.transaction(() => {
      for (const row of rows) {
        apply.run('active', 'carol', now, 'pending', row.version + 1, row.id, row.version);
        Object.assign(row, { state: 'active', applier: 'carol', applied_at: now, sync_status: 'pending' });
        row.version += 1;
        record(
          row,
          'carol',
          'applied',
          { from: 'approved', to: 'active', expiresAt: now, target: 'folder' },
          true,
        );
      }
      bump.run();
    }).immediate();
    if (files) {
      for (let i = 0; i < rows.length; i += 16)
        await Promise.all(
          rows.slice(i, i + 16).map((row) => writeAtomically(files, row.name, manifestText(row))),
        );
      await syncFolder(files);
    }
    db.transaction(() => {
      for (const row of rows) {
        synced.run('synced', row.version + 1, row.id, row.version);
        Object.assign(row, { sync_status: 'synced', version: row.version + 1 });
        record(row, 'carol', 'synced', { operation: 'write', target: 'folder' }, false);
      }
      bump.run();
    }).immediate();
  }
  const rate = count / ((performance.now() - started) / 1000);
  db.close();
  return rate;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = benchSize(2000, 80);
  const batch = scaled(25, 5);
  for (const withFiles of [false, true]) {
    const figures = await rounds(scaled(5, 5), async () => {
      const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-limit-'));
      const rate = await sqliteLimit(
        join(dir, 'limit.db'),
        count,
        batch,
        withFiles ? join(dir, 'gitops') : undefined,
      );
      rmSync(dir, { recursive: true, force: true });
      return rate;
    });
    console.log(
      `the rows of ${count} exceptions through request, approve and apply, ${batch} a transaction, by better-sqlite3${withFiles ? ', with their manifests written to a folder as the folder target writes them' : ''}: ${spread(figures, 'exceptions/s')}`,
    );
  }
}
