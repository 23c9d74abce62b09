import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { untar } from '../src/service/audit-bundle.js';
import { openStore } from '../src/wire/deps.js';
import { cli } from './support/cli.js';
import { seedHistory } from './support/history.js';
import { call, startTestServer } from './support/server.js';
import { ManualClock, useTempDir } from './support/temp.js';

const tempDir = useTempDir();

const pem = (key: { export(o: object): string | Buffer }, type: 'pkcs8' | 'spki') =>
  key.export({ type, format: 'pem' }).toString();

async function seeded(dir: string): Promise<string> {
  const database = join(dir, 'w.db');
  const store = await openStore(database);
  try {
    await seedHistory(store);
  } finally {
    await store.close();
  }
  return database;
}

describe('GET /api/v1/audit/bundle', () => {
  it('signs a bundle for an auditor or an admin with the key the server started with, which verifies with the public key', async () => {
    const dir = tempDir();
    const database = await seeded(dir);
    const keys = generateKeyPairSync('ed25519');
    const privatePem = pem(keys.privateKey, 'pkcs8');
    writeFileSync(join(dir, 'key.pem'), privatePem);
    writeFileSync(join(dir, 'key.pub.pem'), pem(keys.publicKey, 'spki'));
    const server = await startTestServer({
      database,
      dir,
      clock: new ManualClock(Date.parse('2026-12-01T09:00:00Z')),
      evidenceKeyFile: join(dir, 'key.pem'),
    });
    try {
      const [requester, approver, applier, auditor] = await Promise.all(
        ['requester', 'approver', 'applier', 'auditor'].map((role) => server.token(`t-${role}`, [role])),
      );
      expect((await call(server.url, undefined, 'GET', '/api/v1/audit/bundle')).status).toBe(401);
      for (const token of [requester, approver, applier]) {
        const refused = await call(server.url, token, 'GET', '/api/v1/audit/bundle');
        expect(refused.status).toBe(403);
        expect(refused.body).toMatchObject({ code: 'forbidden' });
        expect(refused.body.message).toContain('that needs the role auditor or admin');
      }
      for (const [who, token] of [
        ['auditor', auditor],
        ['admin', server.adminToken],
      ] as const) {
        const res = await fetch(`${server.url}/api/v1/audit/bundle`, {
          headers: { authorization: `Bearer ${token ?? ''}` },
        });
        expect(res.status, who).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/gzip');
        expect(res.headers.get('content-disposition')).toBe(
          'attachment; filename="waiver-evidence-2026-12-01T090000Z.tar.gz"',
        );
        const file = join(dir, `${who}.tar.gz`);
        writeFileSync(file, Buffer.from(await res.arrayBuffer()));
        const verified = await cli(dir, [
          'audit',
          'bundle',
          '--verify',
          file,
          '--public-key',
          join(dir, 'key.pub.pem'),
        ]);
        expect(verified.stderr).toBe('');
        expect(verified.stdout).toContain('verifies: signed by the given key; 8 files unchanged');
        // Dated by the server's clock, and holding the seeded history's trail.
        const members = untar(gunzipSync(readFileSync(file)));
        const report = JSON.parse(members.get('report/report.json')?.toString('utf8') ?? '{}') as {
          period: { to: string };
        };
        expect(report.period.to).toBe('2026-12-01T09:00:00Z');
        const trail = members.get('audit/trail.jsonl')?.toString('utf8').trim().split('\n') ?? [];
        expect(trail.length).toBeGreaterThan(10);
        expect(JSON.parse(members.get('audit/checkpoint.json')?.toString('utf8') ?? '{}')).toMatchObject({
          seq: trail.length,
          at: '2026-12-01T09:00:00Z',
        });
      }
      const openApi = await call(server.url, undefined, 'GET', '/api/openapi.json');
      expect(Object.keys(openApi.body.paths['/api/v1/audit/bundle'].get.responses['200'].content)).toEqual([
        'application/gzip',
      ]);
    } finally {
      await server.close();
    }
    // The key stays in its file: the database holds no part of it.
    const body = privatePem.split('\n')[1] ?? '';
    expect(body.length).toBeGreaterThan(40);
    for (const name of readdirSync(dir).filter((f) => f.startsWith('w.db')))
      expect(readFileSync(join(dir, name)).includes(body), name).toBe(false);
  });

  it('answers 409 naming the flag when the server started without a key, and refuses to start with a key that is not Ed25519', async () => {
    const dir = tempDir();
    const database = await seeded(dir);
    const server = await startTestServer({ database, dir });
    try {
      const auditor = await server.token('dave', ['auditor']);
      const refused = await call(server.url, auditor, 'GET', '/api/v1/audit/bundle');
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'conflict', field: 'evidenceKeyFile' });
      expect(refused.body.message).toMatch(
        /^this server was started without a key to sign evidence bundles: start it with --evidence-key FILE .*waiver audit bundle --private-key KEY -o FILE\.tar\.gz$/,
      );
      // A requester is refused for the role before anything is said about the key.
      const requester = await server.token('alice', ['requester']);
      expect((await call(server.url, requester, 'GET', '/api/v1/audit/bundle')).status).toBe(403);
    } finally {
      await server.close();
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'rsa.pem'), pem(rsa.privateKey, 'pkcs8'));
    await expect(startTestServer({ database, dir, evidenceKeyFile: join(dir, 'rsa.pem') })).rejects.toThrow(
      `server.evidenceKeyFile: ${join(dir, 'rsa.pem')}: it is a rsa key, not Ed25519`,
    );
    await expect(
      startTestServer({ database, dir, evidenceKeyFile: join(dir, 'missing.pem') }),
    ).rejects.toThrow(`server.evidenceKeyFile: cannot read ${join(dir, 'missing.pem')}: no such file`);
  });
});
