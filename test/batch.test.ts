import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/domain/settings.js';
import { DAY_MS } from '../src/domain/time.js';
import type { PolicyExceptionManifest } from '../src/domain/manifest.js';
import { localActor } from '../src/service/actor.js';
import { TARGET_CONCURRENCY } from '../src/service/bounded.js';
import type { ServiceDeps } from '../src/service/deps.js';
import { createWaiver, type Waiver } from '../src/service/waiver.js';
import { MemoryStore } from './support/memory-store.js';
import { RecordingTarget } from './support/recording-target.js';
import { legacyRequest } from './support/requests.js';
import { ManualClock } from './support/temp.js';
import { defaultRouting } from '../src/domain/notification-routes.js';
import { oneTarget } from './support/targets.js';

/** A recording target that can refuse one name and counts how many calls were in flight at once. */
class ParallelTarget extends RecordingTarget {
  inFlight = 0;
  mostInFlight = 0;
  refuse: string | undefined;

  override async write(manifest: PolicyExceptionManifest): Promise<void> {
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    // Every write yields, so the batch's writes overlap as they would on a network.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.inFlight--;
    if (manifest.metadata.name === this.refuse) throw new Error('admission webhook denied the request');
    return super.write(manifest);
  }
}

function setup() {
  const target = new ParallelTarget();
  const store = new MemoryStore();
  const deps: ServiceDeps = {
    store,
    targets: oneTarget(target),
    notifications: defaultRouting,
    clock: new ManualClock(Date.parse('2026-12-01T09:00:00Z')),
    instance: 'test',
    settings: defaultSettings,
  };
  const as = (name: string): Waiver => createWaiver(deps, localActor(name));
  const requestMany = async (n: number, by = 'alice'): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 1; i <= n; i++)
      ids.push((await as(by).request({ ...legacyRequest(`MIG-${i}`), expires: '20d' })).exception.id);
    return ids;
  };
  return { deps, store, target, as, requestMany };
}

describe('batches of approvals, rejections and applies', () => {
  it('approves several with one comment, each audited on its own; a refused id never blocks the rest', async () => {
    const { as, requestMany } = setup();
    const ids = await requestMany(3);
    await as('bob').request({ ...legacyRequest('MIG-99'), names: ['bobs-*'] });
    const report = await as('bob').batch(
      'approve',
      ['EX-1', 'EX-404', 'EX-4', 'EX-2', 'EX-1'],
      'risk accepted',
    );
    expect(report.items.map((i) => [i.ref, i.ok ? i.exception.state : i.error.code])).toEqual([
      ['EX-1', 'approved'],
      ['EX-404', 'not_found'],
      ['EX-4', 'forbidden'], // bob's own request
      ['EX-2', 'approved'],
      ['EX-1', 'illegal_transition'], // named twice: approved by the first mention
    ]);
    const refusal = report.items[2];
    expect(refusal?.ok === false && refusal.error.message).toMatch(/a second person must review/);
    for (const id of ['EX-1', 'EX-2']) {
      const approvals = (await as('carol').audit(id, { action: 'approved' })).map((e) => [e.actor, e.data]);
      expect(approvals).toEqual([['bob', expect.objectContaining({ comment: 'risk accepted' })]]);
    }
    expect((await as('carol').get(ids[2] ?? '')).state).toBe('pending');
    await expect(as('carol').verifyAudit()).resolves.toMatchObject({ events: 6 });
  });

  it('asks reject for its comment once per id, and refuses a batch to a role that may not act at all', async () => {
    const { as, deps, requestMany } = setup();
    await requestMany(2);
    const bare = await as('bob').batch('reject', ['EX-1', 'EX-2']);
    expect(bare.items.every((i) => !i.ok && i.error.field === 'comment')).toBe(true);
    const auditor = createWaiver(deps, { name: 'erin', roles: ['auditor'] });
    await expect(auditor.batch('approve', ['EX-1'])).rejects.toMatchObject({ code: 'forbidden' });
    await expect(as('bob').batch('approve', [])).rejects.toMatchObject({ code: 'usage', field: 'ids' });
    expect((await as('bob').list()).map((e) => e.state)).toEqual(['pending', 'pending']);
  });

  it('applies many at once: target writes side by side, bounded, and a failed write reported for its id only', async () => {
    const { as, target, requestMany } = setup();
    const ids = await requestMany(40);
    await as('bob').batch('approve', ids);
    target.refuse = 'payments-api-mig-7';
    const report = await as('carol').batch('apply', ids);
    expect(target.mostInFlight).toBeGreaterThan(1);
    expect(target.mostInFlight).toBeLessThanOrEqual(TARGET_CONCURRENCY);
    const failed = report.items.filter((i) => !i.ok);
    expect(failed).toEqual([
      {
        ref: 'EX-7',
        ok: false,
        error: expect.objectContaining({
          code: 'target',
          message: expect.stringMatching(/EX-7 is active, but writing it to .* admission webhook denied/),
        }),
      },
    ]);
    expect(target.objects.size).toBe(39);
    const seven = await as('carol').get('EX-7');
    expect(seven).toMatchObject({ state: 'active', syncStatus: 'error' });
    // The sweep retries what the batch could not write.
    target.refuse = undefined;
    expect((await as('carol').sweep()).written).toEqual(['EX-7']);
  });

  it('applies a renewal in a batch and reports the exception it superseded', async () => {
    const { as, deps, requestMany } = setup();
    await requestMany(1);
    await as('bob').approve('EX-1');
    await as('carol').apply('EX-1');
    (deps.clock as ManualClock).advance(15 * DAY_MS);
    await as('alice').renew('EX-1', {
      reason: 'The migration slipped into the next sprint again',
      expires: '10d',
    });
    await as('bob').approve('EX-2');
    const [item] = (await as('carol').batch('apply', ['EX-2'])).items;
    expect(item).toMatchObject({
      ok: true,
      exception: { state: 'active' },
      superseded: { id: 'EX-1', state: 'removed' },
    });
  });

  it('commits a batch in one transaction: a failing database rolls all of it back', async () => {
    const { as, store, requestMany } = setup();
    await requestMany(3);
    const append = store.transaction.bind(store);
    let calls = 0;
    store.transaction = (work) =>
      append(async (tx) => {
        const appendAudit = tx.appendAudit.bind(tx);
        tx.appendAudit = async (event) => {
          if (++calls === 3) throw new Error('disk I/O error');
          return appendAudit(event);
        };
        return work(tx);
      });
    await expect(as('bob').batch('approve', ['EX-1', 'EX-2', 'EX-3'])).rejects.toThrow('disk I/O error');
    expect((await as('bob').list()).map((e) => e.state)).toEqual(['pending', 'pending', 'pending']);
  });

  it('sweeps reminders in chunks of 500 a transaction, each with its notifications', async () => {
    const { as, deps, store, requestMany } = setup();
    const ids = await requestMany(501);
    await as('bob').batch('approve', ids);
    await as('carol').batch('apply', ids);
    (deps.clock as ManualClock).advance(14 * DAY_MS);
    const transaction = store.transaction.bind(store);
    let transactions = 0;
    store.transaction = (work) => {
      transactions++;
      return transaction(work);
    };
    const report = await as('carol').sweep();
    expect(report.reminded).toHaveLength(501);
    expect(transactions).toBe(2);
    const told = (await store.listNotifications()).filter((n) => n.event === 'reminder');
    expect(new Set(told.map((n) => n.exceptionId)).size).toBe(501);
    const reminders = await as('carol').audit(undefined, { action: 'reminded' });
    expect(reminders).toHaveLength(501);
    expect((await as('carol').sweep()).reminded).toEqual([]);
  });
});
