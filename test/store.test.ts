import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/open-sqlite.js';
import { activeRecord } from './support/records.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const { id: _id, version: _version, ...newRecord } = activeRecord();
const event = (exceptionId: number) => ({
  at: '2026-11-29T00:00:00Z',
  actor: 'alice',
  action: 'requested' as const,
  exceptionId,
  data: { quote: "it's" },
});

describe('SQLite store', () => {
  it('round-trips a record and finds it by name and namespace', async () => {
    const store = await openSqliteStore(join(tempDir(), 'w.db'));
    const saved = await store.transaction((tx) => tx.insertException(newRecord));
    expect(saved).toEqual({ ...newRecord, id: 1, version: 1 });
    expect(await store.getException(1)).toEqual(saved);
    expect((await store.findByName(newRecord.name)).map((r) => r.id)).toEqual([1]);
    expect(await store.listExceptions({ namespace: 'payments' })).toHaveLength(1);
    expect(await store.listExceptions({ namespace: 'pay' })).toHaveLength(0);
    expect(await store.listExceptions({ states: ['pending'] })).toHaveLength(0);
    await store.close();
  });

  it('rolls back the whole transaction when one step fails', async () => {
    const store = await openSqliteStore(join(tempDir(), 'w.db'));
    await expect(
      store.transaction(async (tx) => {
        const r = await tx.insertException(newRecord);
        await tx.appendAudit(event(r.id));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.listExceptions()).toEqual([]);
    expect(await store.listAudit()).toEqual([]);
    await store.close();
  });

  it('refuses a stale update (optimistic concurrency)', async () => {
    const store = await openSqliteStore(join(tempDir(), 'w.db'));
    const saved = await store.transaction((tx) => tx.insertException(newRecord));
    await store.transaction((tx) =>
      tx.updateException({ ...saved, reason: 'first change of the justification text' }),
    );
    await expect(
      store.transaction((tx) => tx.updateException({ ...saved, reason: 'second' })),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect((await store.getException(1))?.version).toBe(2);
    await store.close();
  });

  it('chains audit events and names the first tampered one', async () => {
    const path = join(tempDir(), 'w.db');
    const store = await openSqliteStore(path);
    for (let i = 1; i <= 3; i++) await store.transaction((tx) => tx.appendAudit(event(i)));
    const events = await store.listAudit();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect(await store.verifyAudit()).toBeUndefined();
    await store.close();

    const raw = new BetterSqlite3(path);
    raw.prepare("update audit_events set actor = 'mallory' where seq = 2").run();
    raw.close();
    const reopened = await openSqliteStore(path);
    expect(await reopened.verifyAudit()).toMatchObject({ seq: 2 });
    await reopened.close();
  });
});
