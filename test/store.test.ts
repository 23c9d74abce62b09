import { checkTrail } from '../src/service/audit-trail.js';
import { recordDigest } from '../src/domain/audit.js';
import { sha256 } from '../src/system/sha256.js';
import { describe, expect, it } from 'vitest';
import { storeBackends } from './support/databases.js';
import { activeRecord } from './support/records.js';
import type { ExceptionRecord } from '../src/domain/exception.js';
import type { OutboxEntry } from '../src/domain/notification-routes.js';

const { id: _id, version: _version, ...newRecord } = activeRecord();
const event = (exceptionId: number) => ({
  at: '2026-11-29T00:00:00Z',
  actor: 'alice',
  action: 'requested' as const,
  exceptionId,
  data: { quote: "it's" },
});

/** The store's contract: every test runs on SQLite, a real PostgreSQL server and the memory store. */
describe.each(storeBackends)('$name store', ({ enabled, databases }) => {
  if (!enabled) return it.skip('needs WAIVER_TEST_DATABASE_URL');
  const db = databases();
  const openStore = (database: string) => db.open(database);
  const open = async () => openStore(await db.fresh());

  it('round-trips a record and finds it by name and namespace', async () => {
    const store = await open();
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
    const store = await open();
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
    const store = await open();
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
    const path = await db.fresh();
    const store = await openStore(path);
    for (let i = 1; i <= 3; i++) await store.transaction((tx) => tx.appendAudit(event(i)));
    const events = await store.listAudit();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect((await checkTrail(store)).broken).toBeUndefined();
    await store.close();

    await db.tamperAuditActor(path, 2, 'mallory');
    const reopened = await openStore(path);
    expect((await checkTrail(reopened)).broken).toMatchObject({ seq: 2 });
    await reopened.close();
  });

  it('saves a batch of changed records, leaving out the one changed meanwhile, and chains a batch of events in order', async () => {
    const store = await open();
    const inserted = await store.transaction(async (tx) => {
      const rows = [];
      for (let i = 0; i < 3; i++) rows.push(await tx.insertException({ ...newRecord, name: `batch-${i}` }));
      return rows;
    });
    // Another writer changes the second one after the batch read it.
    const [first, second, third] = inserted as [ExceptionRecord, ExceptionRecord, ExceptionRecord];
    await store.transaction((tx) => tx.updateException({ ...second, ticket: 'SEC-99' }));
    const at = '2026-12-01T00:00:00Z';
    const { saved, conflicts, events } = await store.transaction(async (tx) => {
      const result = await tx.updateExceptions(
        [first, second, third].map((before) => ({ record: { ...before, remindedAt: at }, before })),
      );
      const appended = await tx.appendAudits(
        result.saved.map((r) => ({ ...event(r.id), action: 'reminded' as const })),
      );
      return { ...result, events: appended };
    });
    expect(conflicts).toEqual([second.id]);
    expect(saved.map((r) => [r.id, r.version, r.remindedAt])).toEqual([
      [first.id, 2, at],
      [third.id, 2, at],
    ]);
    expect(await store.getException(first.id)).toEqual(saved[0]);
    expect(await store.getException(second.id)).toMatchObject({ ticket: 'SEC-99', remindedAt: null });
    // Each event links to the one before and records the digest of its row as saved.
    const trail = await store.listAudit();
    expect(trail).toEqual(events);
    expect(events.map((e) => [e.seq, e.exceptionId])).toEqual([
      [1, first.id],
      [2, third.id],
    ]);
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect(events[0]?.data['record']).toBe(recordDigest(saved[0] as ExceptionRecord, sha256));
    expect((await checkTrail(store)).broken).toBeUndefined();
    await store.close();
  });

  it('reads the trail for the metrics a page at a time, with data only for the actions asked for', async () => {
    const store = await open();
    for (const action of ['requested', 'approved', 'applied', 'synced'] as const)
      await store.transaction((tx) => tx.appendAudit({ ...event(7), action, data: { operation: action } }));
    const first = await store.listAuditFacts(0, 3, ['requested', 'synced']);
    expect(first.map((f) => [f.seq, f.action, f.exceptionId, f.data])).toEqual([
      [1, 'requested', 7, { operation: 'requested' }],
      [2, 'approved', 7, {}],
      [3, 'applied', 7, {}],
    ]);
    expect(first[0]).not.toHaveProperty('hash');
    const rest = await store.listAuditFacts(3, 3, ['requested', 'synced']);
    expect(rest.map((f) => [f.seq, f.data])).toEqual([[4, { operation: 'synced' }]]);
    expect(await store.listAuditFacts(4, 3, [])).toEqual([]);
    // Only the actions asked for, paged by the events returned.
    const only = await store.listAuditFacts(1, 1, [], ['applied', 'synced']);
    expect(only.map((f) => [f.seq, f.action])).toEqual([[3, 'applied']]);
    expect(await store.listAuditFacts(3, 5, ['synced'], ['requested', 'synced'])).toMatchObject([
      { seq: 4, action: 'synced', data: { operation: 'synced' } },
    ]);
    expect(await store.listAuditFacts(0, 5, [], [])).toEqual([]);
    await store.close();
  });

  it('picks only the fields asked for out of the data, leaving out those absent or null', async () => {
    const store = await open();
    const data = { expiresAt: '2030-01-01T00:00:00Z', renewalOf: 3, target: null, deep: { a: [1, true] } };
    await store.transaction((tx) => tx.appendAudit({ ...event(7), action: 'requested', data }));
    await store.transaction((tx) => tx.appendAudit({ ...event(7), action: 'applied', data }));
    const fields = ['renewalOf', 'target', 'deep', 'missing', 'expiresAt'];
    expect((await store.listAuditFacts(0, 5, ['requested'], undefined, fields)).map((f) => f.data)).toEqual([
      { expiresAt: '2030-01-01T00:00:00Z', renewalOf: 3, deep: { a: [1, true] } },
      {},
    ]);
    const one = await store.listAuditFacts(0, 5, ['requested'], ['requested'], ['renewalOf']);
    expect(one.map((f) => f.data)).toEqual([{ renewalOf: 3 }]);
    expect((await store.listAuditFacts(0, 1, ['requested'], undefined, [])).map((f) => f.data)).toEqual([{}]);
    await store.close();
  });

  it('pages in id order after a cursor', async () => {
    const store = await open();
    for (let i = 0; i < 5; i++) await store.transaction((tx) => tx.insertException(newRecord));
    const first = await store.listExceptions({ limit: 2 });
    expect(first.map((r) => r.id)).toEqual([1, 2]);
    const next = await store.listExceptions({ afterId: 2, limit: 2, states: ['active'] });
    expect(next.map((r) => r.id)).toEqual([3, 4]);
    expect(await store.listExceptions({ afterId: 5, limit: 2 })).toEqual([]);
    await store.close();
  });

  it('keeps one unbroken audit chain under concurrent writers', async () => {
    const store = await open();
    const { id } = await store.transaction((tx) => tx.insertException(newRecord));
    await Promise.all(Array.from({ length: 20 }, () => store.transaction((tx) => tx.appendAudit(event(id)))));
    const events = await store.listAudit();
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await checkTrail(store)).broken).toBeUndefined();
    await store.close();
  });

  it('links after events another process appended, though it remembers its own last link, one event or a batch', async () => {
    const path = await db.fresh();
    const [a, b] = [await openStore(path), await openStore(path)];
    const { id } = await a.transaction((tx) => tx.insertException(newRecord));
    // a remembers #2 as the head; b appends #3 and #4, then a appends twice in one transaction.
    for (const store of [a, a, b, b]) await store.transaction((tx) => tx.appendAudit(event(id)));
    await a.transaction(async (tx) => {
      await tx.appendAudit(event(id));
      await tx.appendAudit(event(id));
    });
    await b.transaction((tx) => tx.appendAudit(event(id)));
    // a remembers #6; b appended #7: a batch from a links after #7 too.
    await a.transaction((tx) => tx.appendAudits([event(id), event(id)]));
    const events = await a.listAudit();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await checkTrail(a)).broken).toBeUndefined();
    await Promise.all([a.close(), b.close()]);
  });

  it('stores tokens by hash, finds them by lookup and revokes them once', async () => {
    const store = await open();
    const token = {
      id: 'tok-1',
      owner: 'alice',
      roles: ['requester' as const],
      description: "alice's laptop",
      createdAt: '2026-11-29T00:00:00Z',
      createdBy: 'admin',
      expiresAt: null,
      revokedAt: null,
      lookup: 'abcdef0123456789',
      hash: 'ab'.repeat(32),
    };
    await store.transaction((tx) => tx.insertToken(token));
    expect(await store.findTokenByLookup('abcdef0123456789')).toEqual(token);
    expect(await store.findTokenByLookup('0000000000000000')).toBeUndefined();
    const { lookup: _l, hash: _h, ...listed } = token;
    expect(await store.listTokens()).toEqual([listed]);
    expect(await store.transaction((tx) => tx.revokeToken('tok-1', '2026-11-30T00:00:00Z'))).toBe(true);
    expect(await store.transaction((tx) => tx.revokeToken('tok-1', '2026-12-01T00:00:00Z'))).toBe(false);
    expect((await store.listTokens())[0]?.revokedAt).toBe('2026-11-30T00:00:00Z');
    await expect(store.transaction((tx) => tx.insertToken({ ...token, id: 'tok-2' }))).rejects.toThrow();
    await store.close();
  });

  it("binds a token's events to its row: the digest of the row as it stands in the same transaction", async () => {
    const store = await open();
    const token = {
      id: 'tok-1',
      owner: 'alice',
      roles: ['requester' as const],
      description: '',
      createdAt: '2026-11-29T00:00:00Z',
      createdBy: 'admin',
      expiresAt: null,
      revokedAt: null,
      lookup: 'abcdef0123456789',
      hash: 'ab'.repeat(32),
    };
    const tokenEvent = (action: 'token_created' | 'token_revoked') => ({
      at: '2026-11-29T00:00:00Z',
      actor: 'admin',
      action,
      exceptionId: null,
      data: { token: 'tok-1' },
    });
    const created = await store.transaction(async (tx) => {
      await tx.insertToken(token);
      return tx.appendAudit(tokenEvent('token_created'));
    });
    expect(created.data['record']).toBe(recordDigest(token, sha256));
    const revoked = await store.transaction(async (tx) => {
      await tx.revokeToken('tok-1', '2026-11-30T00:00:00Z');
      return tx.appendAudit(tokenEvent('token_revoked'));
    });
    expect(revoked.data['record']).toBe(
      recordDigest({ ...token, revokedAt: '2026-11-30T00:00:00Z' }, sha256),
    );
    expect(await store.listStoredTokens()).toEqual([{ ...token, revokedAt: '2026-11-30T00:00:00Z' }]);
    expect(await checkTrail(store)).toEqual({ events: 2 });
    await store.close();
  });

  it('grants a lease to one holder until it lapses or is released', async () => {
    const store = await open();
    const t0 = Date.parse('2026-11-29T00:00:00Z');
    expect(await store.tryAcquireLease('sweep', 'a', t0, 60_000)).toBe(true);
    expect(await store.tryAcquireLease('sweep', 'b', t0 + 1_000, 60_000)).toBe(false);
    expect(await store.tryAcquireLease('sweep', 'a', t0 + 30_000, 60_000)).toBe(true); // extends to t0+90s
    expect(await store.tryAcquireLease('sweep', 'b', t0 + 61_000, 60_000)).toBe(false);
    expect(await store.tryAcquireLease('sweep', 'b', t0 + 90_000, 60_000)).toBe(true); // lapsed
    await store.releaseLease('sweep', 'a'); // not a's any more: no effect
    expect(await store.tryAcquireLease('sweep', 'a', t0 + 91_000, 60_000)).toBe(false);
    await store.releaseLease('sweep', 'b');
    expect(await store.tryAcquireLease('sweep', 'a', t0 + 92_000, 60_000)).toBe(true);
    expect(await store.tryAcquireLease('other', 'b', t0 + 92_000, 60_000)).toBe(true);
    await store.close();
  });

  it('lets exactly one of many racing holders take a free lease', async () => {
    const store = await open();
    const t0 = Date.parse('2026-11-29T00:00:00Z');
    const won = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.tryAcquireLease('sweep', `replica-${i}`, t0, 60_000)),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
    await store.close();
  });

  it('lists what was last committed, however often it is listed and changed', async () => {
    const store = await open();
    const saved = await store.transaction((tx) => tx.insertException(newRecord));
    const first = await store.listExceptions();
    expect(await store.listExceptions()).toEqual(first);
    expect(Object.isFrozen(first[0]) && Object.isFrozen(first[0]?.namespaces)).toBe(true);
    const reason = 'Another justification, long enough to be accepted';
    await store.transaction((tx) => tx.updateException({ ...saved, reason }));
    expect((await store.listExceptions())[0]).toMatchObject({ reason, version: 2 });
    // A rolled-back change is never listed.
    await expect(
      store.transaction(async (tx) => {
        await tx.updateException({ ...saved, version: 2, reason: 'rolled back' });
        expect((await tx.listExceptions())[0]?.reason).toBe('rolled back');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await store.listExceptions())[0]).toMatchObject({ reason, version: 2 });
    await store.close();
  });

  it("sees another process's writes at once in what it lists", async () => {
    const path = await db.fresh();
    const [a, b] = [await openStore(path), await openStore(path)];
    const saved = await b.transaction((tx) => tx.insertException(newRecord));
    expect((await a.listExceptions({ states: ['active'] })).map((r) => r.reason)).toEqual([newRecord.reason]);
    const reason = 'Changed by the other replica, long enough to pass';
    await b.transaction((tx) => tx.updateException({ ...saved, reason, state: 'removed' }));
    expect(await a.listExceptions({ states: ['active'] })).toEqual([]);
    expect((await a.listExceptions()).map((r) => r.reason)).toEqual([reason]);
    await b.transaction((tx) => tx.insertException(newRecord));
    expect(await a.listExceptions({ limit: 5 })).toHaveLength(2);
    await Promise.all([a.close(), b.close()]);
  });

  it('counts exceptions by shown state in the database', async () => {
    const store = await open();
    await store.transaction(async (tx) => {
      await tx.insertException({ ...newRecord, expiresAt: '2026-12-01T00:00:00Z' });
      await tx.insertException({ ...newRecord, expiresAt: '2026-12-31T00:00:00Z' });
      await tx.insertException({ ...newRecord, state: 'pending' });
    });
    await store.transaction(async (tx) => {
      await tx.insertException({ ...newRecord, target: 'prod-eu' });
    });
    const counts = async (nowIso: string) =>
      Object.fromEntries(
        (await store.countByState(nowIso)).map(({ target, state, count }) => [`${target}/${state}`, count]),
      );
    expect(await counts('2026-12-15T00:00:00Z')).toEqual({
      'folder/active': 1,
      'folder/expired': 1,
      'folder/pending': 1,
      'prod-eu/active': 1,
    });
    expect(await counts('2026-11-01T00:00:00Z')).toEqual({
      'folder/active': 2,
      'folder/pending': 1,
      'prod-eu/active': 1,
    });
    await store.close();
  });
  it('narrows the inventory by policy, category and text, and orders it newest or soonest expiry first', async () => {
    const store = await open();
    const add = (extra: Partial<typeof newRecord>) =>
      store.transaction((tx) => tx.insertException({ ...newRecord, ...extra }));
    await add({ name: 'payments-api-a', ticket: 'INC-100', reason: 'Vendor image 100% unsigned today' });
    await add({
      name: 'billing-b',
      policy: 'other-policy',
      category: 'legacy-migration',
      requestor: 'Bob_Smith',
    });
    const ids = async (query: Parameters<typeof store.listExceptions>[0]) =>
      (await store.listExceptions(query)).map((r) => r.id);
    expect(await ids({ policy: 'other-policy' })).toEqual([2]);
    expect(await ids({ category: 'legacy-migration' })).toEqual([2]);
    expect(await ids({ search: 'PAYMENTS' })).toEqual([1]);
    expect(await ids({ search: 'inc-1' })).toEqual([1]);
    expect(await ids({ search: 'bob_s' })).toEqual([2]);
    // % and _ are the user's text, not patterns.
    expect(await ids({ search: '100%' })).toEqual([1]);
    expect(await ids({ search: '%' })).toEqual([1]);
    expect(await ids({ search: 'b_b' })).toEqual([]);
    await add({ name: 'soon', expiresAt: '2026-11-30T00:00:00Z' });
    expect(await ids({ order: 'newest' })).toEqual([3, 2, 1]);
    expect(await ids({ order: 'expiry', limit: 2 })).toEqual([3, 1]);
    expect(await ids({ order: 'expiry', limit: 2, offset: 2 })).toEqual([2]);
    await store.close();
  });

  const entry = (key: string, channel = 'slack', dueAt = '2026-12-01T09:00:00Z'): OutboxEntry => ({
    key,
    channel,
    event: 'reminder',
    exceptionId: 1,
    recipients: ['alice', 'bob'],
    payload: { at: '2026-12-01T09:00:00Z', actor: 'waiver-controller', details: { quote: "it's" } },
    createdAt: '2026-12-01T09:00:00Z',
    dueAt,
  });

  it('keeps one notification per key and channel in the outbox, whatever is enqueued again', async () => {
    const store = await open();
    await store.transaction((tx) =>
      tx.enqueueNotifications([entry('reminder:EX-1:x'), entry('reminder:EX-1:x', 'email')]),
    );
    await store.transaction((tx) =>
      tx.enqueueNotifications([entry('reminder:EX-1:x'), entry('expired:EX-1')]),
    );
    const listed = await store.listNotifications();
    expect(listed.map((n) => [n.key, n.channel, n.state])).toEqual([
      ['reminder:EX-1:x', 'slack', 'pending'],
      ['reminder:EX-1:x', 'email', 'pending'],
      ['expired:EX-1', 'slack', 'pending'],
    ]);
    expect(listed[0]?.payload).toEqual(entry('k').payload);
    expect(await store.hasNotification('expired:EX-1')).toBe(true);
    expect(await store.hasNotification('expired:EX-2')).toBe(false);
    expect(await store.countPendingNotifications()).toEqual({ slack: 2, email: 1 });
    // Rolled back with the change that caused it.
    await expect(
      store.transaction(async (tx) => {
        await tx.enqueueNotifications([entry('approved:EX-1')]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.hasNotification('approved:EX-1')).toBe(false);
    await store.close();
  });

  it('lets one dispatcher claim a due notification until its claim lapses, and records each try', async () => {
    const store = await open();
    await store.transaction((tx) =>
      tx.enqueueNotifications([entry('a'), entry('b'), entry('later', 'slack', '2026-12-01T10:00:00Z')]),
    );
    const now = '2026-12-01T09:00:00Z';
    const claimed = await store.claimNotifications('one', now, '2026-12-01T09:05:00Z', 10);
    expect(claimed.map((n) => n.key)).toEqual(['a', 'b']);
    expect(await store.claimNotifications('two', now, '2026-12-01T09:05:00Z', 10)).toEqual([]);
    // `one` died after delivering `b`'s message: its claim lapses and `two` takes `b` over.
    await store.recordDeliveries('one', [
      { id: claimed[0]?.id ?? 0, at: now, channel: 'slack', result: { status: 'sent' } },
    ]);
    const retaken = await store.claimNotifications('two', '2026-12-01T09:05:00Z', '2026-12-01T09:10:00Z', 10);
    expect(retaken.map((n) => n.key)).toEqual(['b']);
    await store.recordDeliveries('two', [
      {
        id: retaken[0]?.id ?? 0,
        at: '2026-12-01T09:05:01Z',
        channel: 'slack',
        result: { status: 'failed', error: 'HTTP 503 from hooks.slack.com', retryAt: '2026-12-01T09:06:00Z' },
      },
    ]);
    // A late record by the holder whose claim lapsed changes nothing.
    await store.recordDeliveries('one', [
      { id: retaken[0]?.id ?? 0, at: '2026-12-01T09:05:02Z', channel: 'slack', result: { status: 'sent' } },
    ]);
    const [a, b] = await store.listNotifications({ states: ['sent', 'pending'] });
    expect(a).toMatchObject({ key: 'a', state: 'sent', attempts: 1, sentAt: now, lastError: null });
    expect(b).toMatchObject({
      key: 'b',
      state: 'pending',
      attempts: 1,
      nextAttemptAt: '2026-12-01T09:06:00Z',
      lastError: 'HTTP 503 from hooks.slack.com',
    });
    expect((await store.listDeliveryAttempts(b?.id ?? 0)).map((t) => t.status)).toEqual(['failed', 'sent']);
    expect(await store.claimNotifications('two', '2026-12-01T09:05:30Z', '2026-12-01T09:10:00Z', 10)).toEqual(
      [],
    );
    expect(
      (await store.claimNotifications('two', '2026-12-01T10:00:00Z', '2026-12-01T10:05:00Z', 10)).map(
        (n) => n.key,
      ),
    ).toEqual(['b', 'later']);
    await store.close();
  });

  it('moves a notification to dead after its last try, and back to pending when retried', async () => {
    const store = await open();
    await store.transaction((tx) => tx.enqueueNotifications([entry('a')]));
    const [n] = await store.claimNotifications('one', '2026-12-01T09:00:00Z', '2026-12-01T09:05:00Z', 1);
    const id = n?.id ?? 0;
    await store.recordDeliveries('one', [
      {
        id,
        at: '2026-12-01T09:00:01Z',
        channel: 'slack',
        result: { status: 'failed', error: 'no', retryAt: undefined },
      },
    ]);
    expect(await store.listNotifications({ states: ['dead'] })).toMatchObject([
      { id, attempts: 1, lastError: 'no' },
    ]);
    expect(await store.countPendingNotifications()).toEqual({});
    expect(await store.retryNotifications([id, id + 100], '2026-12-01T09:30:00Z')).toEqual([id]);
    expect(await store.retryNotifications([id], '2026-12-01T09:30:00Z')).toEqual([]);
    expect(await store.listNotifications({ newestFirst: true, limit: 1 })).toMatchObject([
      { id, state: 'pending', attempts: 0, nextAttemptAt: '2026-12-01T09:30:00Z' },
    ]);
    await store.close();
  });

  it('says whether a notification is due and unclaimed, as a dispatcher would claim it', async () => {
    const store = await open();
    expect(await store.hasDueNotifications('2026-12-01T09:00:00Z')).toBe(false);
    await store.transaction((tx) =>
      tx.enqueueNotifications([entry('a'), entry('later', 'slack', '2026-12-01T10:00:00Z')]),
    );
    expect(await store.hasDueNotifications('2026-12-01T08:59:59Z')).toBe(false);
    expect(await store.hasDueNotifications('2026-12-01T09:00:00Z')).toBe(true);
    // Claimed by a dispatcher: not due for anyone else until the claim lapses.
    const [a] = await store.claimNotifications('one', '2026-12-01T09:00:00Z', '2026-12-01T09:05:00Z', 1);
    expect(await store.hasDueNotifications('2026-12-01T09:01:00Z')).toBe(false);
    expect(await store.hasDueNotifications('2026-12-01T09:05:00Z')).toBe(true);
    await store.recordDeliveries('one', [
      { id: a?.id ?? 0, at: '2026-12-01T09:01:00Z', channel: 'slack', result: { status: 'sent' } },
    ]);
    // Sent: only the later one is left, due at its time.
    expect(await store.hasDueNotifications('2026-12-01T09:59:59Z')).toBe(false);
    expect(await store.hasDueNotifications('2026-12-01T10:00:00Z')).toBe(true);
    await store.close();
  });

  it('records a data migration once, with the transaction that ran it', async () => {
    const store = await open();
    expect(await store.hasDataMigration('adopt-untargeted')).toBe(false);
    // Rolled back with the work it recorded: it has not run.
    await expect(
      store.transaction(async (tx) => {
        expect(await tx.recordDataMigration('adopt-untargeted', '2026-12-01T09:00:00Z')).toBe(true);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.hasDataMigration('adopt-untargeted')).toBe(false);
    expect(
      await store.transaction((tx) => tx.recordDataMigration('adopt-untargeted', '2026-12-01T09:00:00Z')),
    ).toBe(true);
    expect(await store.hasDataMigration('adopt-untargeted')).toBe(true);
    expect(await store.hasDataMigration('another')).toBe(false);
    expect(
      await store.transaction((tx) => tx.recordDataMigration('adopt-untargeted', '2026-12-02T09:00:00Z')),
    ).toBe(false);
    await store.close();
  });
});
