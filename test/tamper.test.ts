import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextLink } from '../src/domain/audit.js';
import { sha256 } from '../src/system/sha256.js';
import { cli, json, requestArgs } from './support/cli.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();

/** Two Ed25519 key pairs: the operator's, and one an attacker could make. */
function keys(dir: string, name: string) {
  const pair = generateKeyPairSync('ed25519');
  const privateKey = join(dir, `${name}.pem`);
  const publicKey = join(dir, `${name}.pub.pem`);
  writeFileSync(privateKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicKey };
}

/** Recomputes every link from `fromSeq` on, as an attacker with the database and the source would. */
function rechain(db: BetterSqlite3.Database, fromSeq: number): void {
  const rows = db.prepare('select * from audit_events order by seq').all() as Record<string, any>[];
  let last: { seq: number; hash: string } | undefined;
  for (const row of rows) {
    if (row['seq'] >= fromSeq) {
      const event = {
        at: row['at'],
        actor: row['actor'],
        action: row['action'],
        exceptionId: row['exception_id'],
        data: JSON.parse(row['data']),
      };
      const link = nextLink(last, event, sha256);
      db.prepare('update audit_events set prev_hash = ?, hash = ? where seq = ?').run(
        link.prevHash,
        link.hash,
        row['seq'],
      );
      last = { seq: row['seq'], hash: link.hash };
    } else last = { seq: row['seq'], hash: row['hash'] };
  }
}

/** Each edit an attacker with write access to the database might make. */
const edits: [string, (db: BetterSqlite3.Database) => void][] = [
  [
    "changes an exception row's approver",
    (db) => db.prepare("update exceptions set approver = 'mallory' where id = 1").run(),
  ],
  [
    "extends an exception row's expiry",
    (db) => db.prepare("update exceptions set expires_at = '2099-01-01T00:00:00Z' where id = 1").run(),
  ],
  [
    'inserts an active exception with no events',
    (db) => {
      const row = db.prepare('select * from exceptions where id = 1').get() as Record<string, unknown>;
      const copy = { ...row, id: 7, name: 'sneaky-bypass' };
      const columns = Object.keys(copy);
      db.prepare(
        `insert into exceptions (${columns.join(',')}) values (${columns.map((c) => `@${c}`).join(',')})`,
      ).run(copy);
    },
  ],
  [
    'deletes the newest events',
    (db) => db.prepare('delete from audit_events where seq > (select max(seq) - 2 from audit_events)').run(),
  ],
  [
    'rewrites an old event and recomputes the whole chain after it',
    (db) => {
      db.prepare(
        `update audit_events set data = json_set(data, '$.comment', 'approved after full review') where action = 'approved'`,
      ).run();
      rechain(db, 1);
    },
  ],
];

describe('tampering with the database', () => {
  let base: string;
  let operator: ReturnType<typeof keys>;
  beforeAll(async () => {
    // Outlives each test, unlike useTempDir's folders: every case copies its database.
    base = mkdtempSync(join(tmpdir(), 'waiver-tamper-'));
    mkdirSync(join(base, 'gitops'));
    expect((await cli(base, requestArgs('MIG-7'))).code).toBe(0);
    expect((await cli(base, ['approve', 'EX-1', '--comment', 'risk accepted'], { as: 'bob' })).code).toBe(0);
    expect((await cli(base, ['apply', 'EX-1'], { as: 'carol' })).code).toBe(0);
    operator = keys(base, 'operator');
    writeFileSync(
      join(base, 'checkpoint.json'),
      (await cli(base, ['audit', 'checkpoint', '--private-key', operator.privateKey])).stdout,
    );
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  /** A copy of the database, edited; the checkpoint was taken before the edit. */
  function tampered(edit: (db: BetterSqlite3.Database) => void): string {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'gitops'));
    copyFileSync(join(base, 'w.db'), join(cwd, 'w.db'));
    const db = new BetterSqlite3(join(cwd, 'w.db'));
    edit(db);
    db.close();
    return cwd;
  }
  const verify = (cwd: string) =>
    cli(cwd, [
      'audit',
      '--verify',
      '--checkpoint',
      join(base, 'checkpoint.json'),
      '--public-key',
      operator.publicKey,
    ]);

  it('verifies an untouched trail against its signed checkpoint', async () => {
    const checked = await verify(tampered(() => undefined));
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(
      /^audit chain intact: \d+ events verified; it holds the checkpoint of .* \(event #\d+\)\n$/,
    );
  });

  it.each(edits)('detects it when someone %s', async (_what, edit) => {
    const checked = await verify(tampered(edit));
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(
      /^error: (EX-\d+: does not match its audit trail|audit chain broken|the trail ends at|event #\d+ is not the one)/,
    );
    expect(checked.stderr.split('\n')).toHaveLength(2);
  });

  it('refuses a checkpoint that the trusted key did not sign', async () => {
    const cwd = tampered(() => undefined);
    const attacker = keys(cwd, 'attacker');
    const forged = join(cwd, 'forged.json');
    writeFileSync(
      forged,
      (await cli(cwd, ['audit', 'checkpoint', '--private-key', attacker.privateKey])).stdout,
    );
    const checked = await cli(cwd, [
      'audit',
      '--verify',
      '--checkpoint',
      forged,
      '--public-key',
      operator.publicKey,
    ]);
    expect(checked).toMatchObject({
      code: 1,
      stderr: 'error: the checkpoint is not signed by this public key\n',
    });
    expect(json(await cli(cwd, ['audit', 'checkpoint', '--private-key', attacker.privateKey]))).toMatchObject(
      {
        format: 'waiver-audit-checkpoint/v1',
      },
    );
  });
});
