import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nextLink } from '../src/domain/audit.js';
import { sha256 } from '../src/system/sha256.js';
import { backends } from './support/databases.js';
import { cli } from './support/cli.js';
import { legacyRequest } from './support/requests.js';
import { startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const running: TestServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

/** Rows deleted, inserted or edited behind Waiver's back: `audit --verify` and the API name each one. */
describe.each(backends)('rows tampered with on $name', ({ enabled, databases }) => {
  if (!enabled) return it.skip('needs WAIVER_TEST_DATABASE_URL');
  const db = databases();

  /**
   * Two active exceptions with their events; tokens for alice (requester), bob (approver), carol
   * (applier) and dave (revoked). Returns the database and a folder for the CLI.
   */
  async function history(): Promise<{ database: string; dir: string }> {
    const database = await db.fresh();
    const dir = tempDir();
    const server = await startTestServer({ database, dir });
    running.push(server);
    const alice = server.as(await server.token('alice', ['requester']));
    const bob = server.as(await server.token('bob', ['approver']));
    const carol = server.as(await server.token('carol', ['applier']));
    await server.token('dave', ['approver']);
    const admin = server.as(server.adminToken);
    for (const ticket of ['MIG-1', 'MIG-2']) {
      expect((await alice('POST', '/api/v1/exceptions', legacyRequest(ticket))).status).toBe(201);
    }
    for (const id of ['EX-1', 'EX-2']) {
      expect((await bob('POST', `/api/v1/exceptions/${id}/approve`, {})).status).toBe(200);
      expect((await carol('POST', `/api/v1/exceptions/${id}/apply`, {})).status).toBe(200);
    }
    const dave = (await admin('GET', '/api/v1/tokens')).body.items.find(
      (t: { owner: string }) => t.owner === 'dave',
    );
    expect((await admin('DELETE', `/api/v1/tokens/${dave.id}`)).status).toBe(204);
    await server.close();
    running.splice(running.indexOf(server), 1);
    return { database, dir };
  }

  const verifyByCli = (database: string, dir: string, extra: string[] = []) =>
    cli(dir, ['audit', '--verify', ...extra], { env: { WAIVER_DATABASE_URL: database } });

  async function verifyByApi(database: string, dir: string) {
    const server = await startTestServer({ database, dir });
    running.push(server);
    return server.as(server.adminToken)('GET', '/api/v1/audit/verify');
  }

  const tokenId = async (database: string, dir: string, owner: string): Promise<string> => {
    const listed = await cli(dir, ['token', 'list', '-o', 'json'], {
      env: { WAIVER_DATABASE_URL: database },
    });
    const { items } = JSON.parse(listed.stdout) as { items: { id: string; owner: string }[] };
    return items.find((t) => t.owner === owner)?.id ?? '';
  };

  it('verifies an untouched history, tokens included', async () => {
    const { database, dir } = await history();
    const checked = await verifyByCli(database, dir);
    expect(checked).toMatchObject({ code: 0, stderr: '' });
    expect(checked.stdout).toMatch(/^audit chain intact: \d+ events verified\n$/);
    const reply = await verifyByApi(database, dir);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ intact: true });
  });

  it('names an exception row deleted with its events left behind, with or without a checkpoint', async () => {
    const { database, dir } = await history();
    const pair = generateKeyPairSync('ed25519');
    const privateKey = join(dir, 'key.pem');
    const publicKey = join(dir, 'key.pub.pem');
    writeFileSync(privateKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(publicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }));
    const env = { env: { WAIVER_DATABASE_URL: database } };
    const checkpoint = await cli(dir, ['audit', 'checkpoint', '--private-key', privateKey], env);
    expect(checkpoint.code).toBe(0);
    writeFileSync(join(dir, 'checkpoint.json'), checkpoint.stdout);

    await db.exec(database, 'delete from exceptions where id = 2');

    for (const extra of [[], ['--checkpoint', join(dir, 'checkpoint.json'), '--public-key', publicKey]]) {
      const checked = await verifyByCli(database, dir, extra);
      expect(checked.code).toBe(1);
      expect(checked.stderr).toMatch(
        /^error: EX-2: does not match its audit trail: 4 audit event\(s\) speak of it, the last #\d+, but its row is gone \(deleted outside Waiver\) \[record_deleted\]\n$/,
      );
      expect(checked.stdout).toBe('');
    }
    const reply = await verifyByApi(database, dir);
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({
      code: 'audit_broken',
      message: expect.stringMatching(/^EX-2 does not match its audit trail: .*deleted outside Waiver/),
      issues: [{ code: 'record_deleted', field: 'EX-2' }],
    });
  });

  it('names rows tampered with while the server runs, past what it keeps in memory', async () => {
    const { database, dir } = await history();
    const server = await startTestServer({ database, dir });
    running.push(server);
    const admin = server.as(server.adminToken);
    // The server has listed and verified the rows: it keeps them, by id and version, for its next page.
    expect((await admin('GET', '/api/v1/exceptions')).body.items).toHaveLength(2);
    expect((await admin('GET', '/api/v1/audit/verify')).status).toBe(200);
    await db.exec(database, 'delete from exceptions where id = 1');
    await db.exec(database, "update exceptions set expires_at = '2099-01-01T00:00:00Z' where id = 2");
    const reply = await admin('GET', '/api/v1/audit/verify');
    expect(reply.status).toBe(409);
    expect(reply.body.issues.map((i: { field: string; code: string }) => `${i.field} ${i.code}`)).toEqual([
      'EX-2 record_edited',
      'EX-1 record_deleted',
    ]);
  });

  it('names every row deleted or inserted, not only the first', async () => {
    const { database, dir } = await history();
    await db.exec(database, 'delete from exceptions where id = 1');
    await db.exec(database, 'delete from exceptions where id = 2');
    await db.exec(
      database,
      `insert into exceptions (id, name, policy, rules, kinds, namespaces, names, category, ticket, reason,
         expires_at, state, sync_status, requestor, requested_at, renewal_count, api_version, target, version)
       values (9, 'sneaky', 'require-image-signature', '[]', '["Pod"]', '["payments"]', '["sneaky-*"]',
         'legacy-migration', 'MIG-9', 'inserted by hand', '2099-01-01T00:00:00Z', 'active', 'synced', 'mallory',
         '2026-12-01T09:00:00Z', 0, 'kyverno.io/v2', 'default', 1)`,
    );
    const checked = await verifyByCli(database, dir);
    expect(checked.code).toBe(1);
    const lines = checked.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines).toEqual([
      expect.stringMatching(/^error: EX-9: .*\(inserted outside Waiver\) \[record_inserted\]$/),
      expect.stringMatching(/^error: EX-1: .*\(deleted outside Waiver\) \[record_deleted\]$/),
      expect.stringMatching(/^error: EX-2: .*\(deleted outside Waiver\) \[record_deleted\]$/),
    ]);
    const reply = await verifyByApi(database, dir);
    expect(reply.status).toBe(409);
    expect(reply.body.message).toMatch(/^3 rows do not match their audit trail: EX-9 .*; EX-1 .*; EX-2 /);
    expect(reply.body.issues.map((i: { field: string; code: string }) => `${i.field} ${i.code}`)).toEqual([
      'EX-9 record_inserted',
      'EX-1 record_deleted',
      'EX-2 record_deleted',
    ]);
  });

  const tokenEdits: [string, string, (id: string) => string, string][] = [
    [
      "raises a requester's token to admin",
      'alice',
      (id) => `update api_tokens set roles = '["admin"]' where id = '${id}'`,
      'record_edited',
    ],
    [
      'un-revokes a revoked token',
      'dave',
      (id) => `update api_tokens set revoked_at = null where id = '${id}'`,
      'record_edited',
    ],
    [
      "swaps a token's hash for one whose secret the attacker knows",
      'bob',
      (id) => `update api_tokens set hash = '${'ab'.repeat(32)}' where id = '${id}'`,
      'record_edited',
    ],
    ['deletes a token row', 'carol', (id) => `delete from api_tokens where id = '${id}'`, 'record_deleted'],
    [
      'inserts a token row by hand',
      'alice',
      (id) =>
        `insert into api_tokens (id, lookup, hash, owner, roles, description, created_at, created_by)
         select 'tok-forged', 'ffffffffffffffff', hash, 'mallory', '["admin"]', '', created_at, created_by
         from api_tokens where id = '${id}'`,
      'record_inserted',
    ],
  ];

  it.each(tokenEdits)('names the token when someone %s', async (_what, owner, edit, kind) => {
    const { database, dir } = await history();
    const id = await tokenId(database, dir, owner);
    expect(id).toMatch(/^tok-/);
    await db.exec(database, edit(id));
    const named = kind === 'record_inserted' ? 'tok-forged' : id;
    const checked = await verifyByCli(database, dir);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(
      new RegExp(`^error: token ${named}: does not match its audit trail: .* \\[${kind}\\]\\n$`),
    );
    const reply = await verifyByApi(database, dir);
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({
      code: 'audit_broken',
      issues: [{ code: kind, field: `token ${named}` }],
    });
  });

  it('binds token rows from before this version at the upgrade, so a later edit of one is named', async () => {
    const { database, dir } = await history();
    const env = { env: { WAIVER_DATABASE_URL: database } };
    const id = await tokenId(database, dir, 'alice');
    // The database as the previous version left it: token events without a digest, migration 0007 (and
    // what came after it) not run.
    await db.exec(database, "delete from kysely_migration where name >= '0007'");
    await db.exec(database, 'delete from audit_events');
    await db.exec(database, 'delete from exceptions');
    await db.exec(database, `delete from api_tokens where id <> '${id}'`);
    const legacy = {
      at: '2026-11-01T09:00:00Z',
      actor: 'admin',
      action: 'token_created' as const,
      exceptionId: null,
      data: { token: id, owner: 'alice', roles: ['requester'], expiresAt: null },
    };
    const link = nextLink(undefined, legacy, sha256);
    await db.exec(
      database,
      `insert into audit_events (seq, at, actor, action, exception_id, data, prev_hash, hash)
       values (1, '${legacy.at}', 'admin', 'token_created', null, '${JSON.stringify(legacy.data)}',
         '${link.prevHash}', '${link.hash}')`,
    );
    // The upgrade: the next process to open the database binds the token with one event.
    const audit = JSON.parse((await cli(dir, ['audit', '-o', 'json'], env)).stdout) as {
      items: { action: string; actor: string; data: { token?: string; record?: string } }[];
    };
    expect(audit.items.map((e) => e.action)).toEqual(['token_created', 'token_bound']);
    expect(audit.items[1]).toMatchObject({ actor: 'waiver-upgrade', data: { token: id } });
    expect((await verifyByCli(database, dir)).code).toBe(0);

    await db.exec(database, `update api_tokens set roles = '["admin"]' where id = '${id}'`);
    const checked = await verifyByCli(database, dir);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(
      new RegExp(`^error: token ${id}: .*edited outside Waiver.*\\[record_edited\\]\\n$`),
    );
  });
});
