import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { legacyRequest } from './support/requests.js';
import { startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Whether this process may run `command` (mount and chattr need root; CI runs as root). */
function can(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const probeDir = tempDir();
const mountable =
  can('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probeDir]) && can('umount', [probeDir]);
const probeFile = join(probeDir, 'f');
closeSync(openSync(probeFile, 'w'));
const immutable = can('chattr', ['+i', probeFile]) && can('chattr', ['-i', probeFile]);

/** Writes until the file system says ENOSPC: the disk is full. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}

async function server(database: string, dir: string): Promise<TestServer> {
  const started = await startTestServer({ database, dir });
  cleanups.push(() => started.close());
  return started;
}

describe('a database that cannot write', () => {
  it.skipIf(!mountable)(
    'answers 507 with Retry-After naming the full disk, logs SQLITE_FULL, is not ready, and recovers when space is freed',
    async () => {
      const dir = tempDir();
      const disk = join(dir, 'disk');
      mkdirSync(disk);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk]);
      cleanups.push(() => void execFileSync('umount', ['-l', disk]));
      const waiver = await server(join(disk, 'waiver.db'), dir);
      const admin = waiver.as(waiver.adminToken);
      expect((await admin('POST', '/api/v1/exceptions', legacyRequest('MIG-1'))).status).toBe(201);
      expect((await admin('GET', '/readyz')).status).toBe(200);

      fill(join(disk, 'filler'));
      // SQLite may reuse room its write-ahead log already has: a few small writes can still land.
      let refused;
      for (let i = 2; i < 200 && !refused; i++) {
        const reply = await admin('POST', '/api/v1/exceptions', legacyRequest(`MIG-${i}`));
        if (reply.status !== 201) refused = reply;
      }
      expect(refused?.status, refused?.text).toBe(507);
      expect(refused?.body).toMatchObject({ code: 'storage_full', field: 'database' });
      expect(refused?.body.message).toMatch(/disk is full/);
      expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(waiver.logs.some((l) => l.includes('SQLITE_FULL'))).toBe(true);
      expect(waiver.logs.some((l) => l.includes('cannot rollback'))).toBe(false);
      const notReady = await admin('GET', '/readyz');
      expect(notReady.status).toBe(503);
      expect(notReady.body.reason).toMatch(/disk is full/);
      // Reads go on.
      expect((await admin('GET', '/api/v1/exceptions/EX-1')).status).toBe(200);

      rmSync(join(disk, 'filler'));
      expect((await admin('GET', '/readyz')).status).toBe(200);
      expect((await admin('POST', '/api/v1/exceptions', legacyRequest('MIG-999'))).status).toBe(201);
    },
    120_000,
  );

  // As root, a 0400 file still takes writes; an immutable one does not, and SQLite opens it read-only
  // exactly as it opens a file without write permission for anyone else.
  it.skipIf(!immutable)(
    'answers 503 with Retry-After naming a read-only database, and is not ready',
    async () => {
      const dir = tempDir();
      const database = join(dir, 'waiver.db');
      const first = await startTestServer({ database, dir });
      expect(
        (await first.as(first.adminToken)('POST', '/api/v1/exceptions', legacyRequest('MIG-1'))).status,
      ).toBe(201);
      await first.close();
      execFileSync('chattr', ['+i', database]);
      cleanups.push(() => void execFileSync('chattr', ['-i', database]));

      const waiver = await server(database, dir);
      const admin = waiver.as(waiver.adminToken);
      const notReady = await admin('GET', '/readyz');
      expect(notReady.status).toBe(503);
      expect(notReady.body.reason).toMatch(/read-only/);
      const refused = await admin('POST', '/api/v1/exceptions', legacyRequest('MIG-2'));
      expect(refused.status, refused.text).toBe(503);
      expect(refused.body).toMatchObject({ code: 'unavailable', field: 'database' });
      expect(refused.body.message).toMatch(/read-only/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(waiver.logs.some((l) => l.includes('SQLITE_READONLY'))).toBe(true);
      expect((await admin('GET', '/api/v1/exceptions/EX-1')).status).toBe(200);
    },
    120_000,
  );
});
