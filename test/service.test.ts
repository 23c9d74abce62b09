import { checkTrail } from '../src/service/audit-trail.js';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/domain/settings.js';
import { DAY_MS, HOUR_MS } from '../src/domain/time.js';
import { localActor } from '../src/service/actor.js';
import type { ServiceDeps } from '../src/service/deps.js';
import { defaultRouting } from '../src/domain/notification-routes.js';
import { countExceptions } from '../src/service/list-exceptions.js';
import { metricsTracker } from '../src/service/metrics-tracker.js';
import { decorateTarget } from '../src/service/decorate-target.js';
import { createWaiver, type Waiver } from '../src/service/waiver.js';
import { MemoryStore } from './support/memory-store.js';
import { RecordingTarget } from './support/recording-target.js';
import { ManualClock } from './support/temp.js';
import { legacyRequest } from './support/requests.js';
import { oneTarget } from './support/targets.js';
import { eventually } from './support/eventually.js';

/** The service on the fast tier's fakes: both pass the contract suites the real store and targets pass. */
function setup() {
  const target = new RecordingTarget();
  const clock = new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
  const deps: ServiceDeps = {
    store: new MemoryStore(),
    targets: oneTarget(target),
    notifications: defaultRouting,
    clock,
    instance: 'test',
    settings: defaultSettings,
  };
  const as = (name: string): Waiver => createWaiver(deps, localActor(name));
  const held = (name: string) => target.holds('policy-exceptions', name);
  /** What the sweep put in the outbox: reminders and expiries. */
  const notifications = async () =>
    (await deps.store.listNotifications()).filter((n) => n.event === 'reminder' || n.event === 'expired');
  return { deps, clock, as, held, target, notifications };
}

const request = legacyRequest('MIG-7');

describe('the exception process, in-process', () => {
  it('takes an exception from request to removal, reminding once', async () => {
    const { as, clock, held, notifications, deps } = setup();
    const { exception: created } = await as('alice').request(request);
    expect(created).toMatchObject({
      id: 'EX-1',
      state: 'pending',
      name: 'payments-api-mig-7',
      expiresAt: '2026-12-21T09:00:00Z',
    });
    await as('bob').approve('EX-1');
    const { exception } = await as('carol').apply('payments-api-mig-7');
    expect(exception).toMatchObject({
      state: 'active',
      syncStatus: 'synced',
      approver: 'bob',
      applier: 'carol',
    });
    expect(held('payments-api-mig-7')).toBe(true);

    clock.set('2026-12-14T09:00:00Z');
    expect((await as('carol').sweep()).reminded).toEqual(['EX-1']);
    expect((await as('carol').sweep()).reminded).toEqual([]);
    expect((await notifications()).map((n) => n.event)).toEqual(['reminder']);
    expect((await notifications())[0]?.recipients).toEqual(['alice', 'bob']);

    clock.set('2026-12-21T09:30:00Z');
    expect((await as('alice').list())[0]?.state).toBe('expired');
    const report = await as('carol').sweep();
    expect(report.expired).toEqual(['EX-1']);
    expect(held('payments-api-mig-7')).toBe(false);
    expect((await as('alice').list())[0]).toMatchObject({
      state: 'removed',
      endReason: 'expired',
      removedAt: '2026-12-21T09:30:00Z',
    });
    expect((await notifications()).map((n) => n.event)).toEqual(['reminder', 'expired']);
    const again = await as('carol').sweep();
    expect([...again.expired, ...again.reminded, ...again.written, ...again.deleted]).toEqual([]);

    const actions = (await as('dave').audit()).map((e) => e.action);
    expect(actions).toEqual(['requested', 'approved', 'applied', 'synced', 'reminded', 'expired']);
    expect(await checkTrail(deps.store)).toEqual({ events: 6 });
    const metrics = await as('dave').metrics();
    expect(metrics).toMatchObject({
      activeExceptions: 0,
      expiredRemovedRate: 1,
      averageDurationDays: 20,
      renewalRate: 0,
    });
    expect(metrics.removalLatency.maxSeconds).toBe(1800);
  });

  it('renews by superseding under the same name, and allows only two renewals', async () => {
    const { as, clock, held } = setup();
    await as('alice').request(request);
    await as('bob').approve('EX-1');
    await as('carol').apply('EX-1');

    clock.advance(15 * DAY_MS);
    await expect(as('alice').renew('EX-1', { reason: request.reason, expires: '20d' })).rejects.toMatchObject(
      { code: 'guardrail', field: 'reason' },
    );
    const { exception: renewal } = await as('alice').renew('EX-1', {
      reason: 'The migration slipped: the batch jobs move next sprint',
      expires: '20d',
    });
    expect(renewal).toMatchObject({
      id: 'EX-2',
      state: 'pending',
      renewalOf: 'EX-1',
      renewalCount: 1,
      name: 'payments-api-mig-7',
    });
    await expect(
      as('alice').renew('EX-1', { reason: 'A second open renewal of the same exception', expires: '10d' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await as('bob').approve('EX-2');
    const applied = await as('carol').apply('EX-2');
    expect(applied.superseded).toMatchObject({
      id: 'EX-1',
      state: 'removed',
      endReason: 'superseded',
      syncStatus: 'synced',
    });
    expect(held('payments-api-mig-7')).toBe(true);

    clock.advance(15 * DAY_MS);
    await as('alice').renew('EX-2', {
      reason: 'Vendor base image update lands in the next release',
      expires: '10d',
    });
    await as('bob').approve('EX-3');
    await as('carol').apply('EX-3');
    await expect(
      as('alice').renew('EX-3', {
        reason: 'Yet another delay in moving the jobs to signed images',
        expires: '10d',
      }),
    ).rejects.toMatchObject({
      code: 'guardrail',
      field: 'renewalOf',
    });
    const escalated = await as('bob').escalate('EX-3', 'needs a policy change for the batch namespace');
    expect(escalated.exception.escalated).toBe(true);
  });

  it('keeps an exception active with a sync error while the target is broken, and retries', async () => {
    const { as, target, held, clock } = setup();
    target.failure = new Error('disk full');
    await as('alice').request(request);
    await as('bob').approve('EX-1');
    await expect(as('carol').apply('EX-1')).rejects.toMatchObject({ code: 'target' });
    expect((await as('carol').list())[0]).toMatchObject({ state: 'active', syncStatus: 'error' });
    expect((await as('carol').sweep()).failed).toHaveLength(1);

    target.failure = undefined;
    clock.advance(HOUR_MS);
    expect((await as('carol').sweep()).written).toEqual(['EX-1']);
    expect(held('payments-api-mig-7')).toBe(true);
    const actions = (await as('carol').audit('EX-1')).map((e) => e.action);
    expect(actions).toEqual(['requested', 'approved', 'applied', 'sync_failed', 'sync_failed', 'synced']);
  });

  it('revokes, and refuses what the lifecycle forbids without changing anything', async () => {
    const { as, held } = setup();
    await as('alice').request(request);
    await expect(as('carol').apply('EX-1')).rejects.toMatchObject({ code: 'illegal_transition' });
    await expect(as('alice').approve('EX-1')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(as('bob').approve('EX-9')).rejects.toMatchObject({ code: 'not_found' });
    await expect(as('alice').request(request)).rejects.toMatchObject({ code: 'conflict', field: 'name' });
    expect((await as('dave').audit()).map((e) => e.action)).toEqual(['requested']);
    await as('bob').approve('EX-1');
    await expect(as('bob').approve('EX-1')).rejects.toMatchObject({ code: 'illegal_transition' });
    await as('carol').apply('EX-1');
    const { exception: revoked } = await as('bob').revoke('EX-1', 'image is signed now');
    expect(revoked).toMatchObject({ state: 'removed', endReason: 'revoked', syncStatus: 'synced' });
    expect(held('payments-api-mig-7')).toBe(false);
  });

  it('skips, without failing, an expiry that a concurrent revoke made moot', async () => {
    const { as, clock, deps, target } = setup();
    await as('alice').request(request);
    await as('bob').approve('EX-1');
    await as('carol').apply('EX-1');
    let revoked = false;
    // A person revokes while the sweep is removing the expired exception from the target.
    deps.targets = oneTarget(
      decorateTarget(target, async (operation, call) => {
        if (operation === 'remove' && !revoked) {
          revoked = true;
          await as('bob').revoke('EX-1', 'image signed');
        }
        return call();
      }),
    );
    clock.advance(21 * DAY_MS);
    const report = await as('carol').sweep();
    expect(report.expired).toEqual([]);
    expect(report.skipped).toEqual([
      { id: 'EX-1', reason: 'cannot expire EX-1: it is removed; expire takes an active exception' },
    ]);
    expect((await as('carol').get('EX-1')).endReason).toBe('revoked');
  });

  it('acts once when two sweeps run at the same time', async () => {
    const { as, clock, deps, notifications } = setup();
    for (const [i, ns] of ['payments', 'billing'].entries()) {
      await as('alice').request({ ...request, namespaces: [ns], expires: `${5 + i * 5}d` });
      await as('bob').approve(`EX-${i + 1}`);
      await as('carol').apply(`EX-${i + 1}`);
    }
    clock.advance(6 * DAY_MS); // EX-1 expired, EX-2 within its reminder window
    const reports = await Promise.all([as('carol').sweep(), as('dave').sweep()]);
    expect(reports.flatMap((r) => r.expired)).toEqual(['EX-1']);
    expect(reports.flatMap((r) => r.reminded)).toEqual(['EX-2']);
    // One sweep at a time, also within one process: the other found the lease held.
    expect(reports.filter((r) => r.leaseHeldElsewhere)).toHaveLength(1);
    const actions = (await deps.store.listAudit()).map((e) => e.action);
    expect(actions.filter((a) => a === 'expired')).toHaveLength(1);
    expect(actions.filter((a) => a === 'reminded')).toHaveLength(1);
    expect((await notifications()).map((n) => n.event).sort()).toEqual(['expired', 'reminder']);
  });

  it('holds the sweep lease until its own sweep ends, whatever other sweeps of this process do', async () => {
    const { as, clock, deps, target } = setup();
    await as('alice').request(request);
    await as('bob').approve('EX-1');
    await as('carol').apply('EX-1');
    clock.advance(21 * DAY_MS);
    // The first sweep stops in the middle of removing the expired exception.
    let resume: (() => void) | undefined;
    const remove = target.remove.bind(target);
    target.remove = (ns, name) => new Promise<void>((r) => (resume = r)).then(() => remove(ns, name));
    const first = as('carol').sweep();
    await eventually(() => expect(resume).toBeDefined());
    // A second sweep of the same process, and one of another replica, both find it held.
    expect(await as('dave').sweep()).toMatchObject({ leaseHeldElsewhere: true });
    const replica = createWaiver({ ...deps, instance: 'replica-2' }, localActor('erin'));
    expect(await replica.sweep()).toMatchObject({ leaseHeldElsewhere: true });
    resume?.();
    expect(await first).toMatchObject({ expired: ['EX-1'] });
    expect((await replica.sweep()).leaseHeldElsewhere).toBeUndefined();
  });

  it('counts active exceptions one way everywhere, also after a sweep run ahead of the clock', async () => {
    const { as, clock, deps } = setup();
    // The README's quick start: a 5-day hotfix among 20-day ones, then a sweep six days ahead.
    for (const [i, ns] of ['payments', 'billing', 'shipping'].entries()) {
      await as('alice').request({ ...request, namespaces: [ns], expires: i === 0 ? '5d' : '20d' });
      await as('bob').approve(`EX-${i + 1}`);
      await as('carol').apply(`EX-${i + 1}`);
    }
    const ahead = clock.now() + 6 * DAY_MS;
    expect((await as('carol').sweep(ahead)).expired).toEqual(['EX-1']);
    // The scrape's tracker folds events as they come; it must say what a full read of the trail says.
    const tracker = metricsTracker(deps, localActor('dave'));
    const counted = async () => {
      const full = await as('dave').metrics();
      expect(await tracker.current()).toEqual(full);
      return {
        inventory: (await as('dave').list({ states: ['active'] })).length,
        metrics: full.activeExceptions,
        byState: (await countExceptions(deps, localActor('dave')))['folder']?.active,
      };
    };
    expect(await counted()).toEqual({ inventory: 2, metrics: 2, byState: 2 });
    // The simulation itself still reads as it was run.
    expect((await as('dave').metrics(ahead)).activeExceptions).toBe(2);
    clock.advance(7 * DAY_MS);
    expect(await counted()).toEqual({ inventory: 2, metrics: 2, byState: 2 });
  });

  it('does not delete a file that a newer exception of the same name holds', async () => {
    const { as, target, held } = setup();
    await as('alice').request(request);
    await as('bob').approve('EX-1');
    await as('carol').apply('EX-1');
    target.failure = new Error('disk full');
    await expect(as('bob').revoke('EX-1', 'image signed')).rejects.toMatchObject({ code: 'target' });
    target.failure = undefined;
    // Before any sweep retried the delete, the same name is requested and applied again.
    await as('alice').request({
      ...request,
      reason: 'A second legacy service turned out to use the old images',
    });
    await as('bob').approve('EX-2');
    await as('carol').apply('EX-2');
    const report = await as('carol').sweep();
    expect(report.deleted).toEqual([]);
    expect(held('payments-api-mig-7')).toBe(true);
    expect(await as('carol').get('EX-1')).toMatchObject({ state: 'removed', syncStatus: 'synced' });
    expect((await as('carol').audit('EX-1')).at(-1)?.data).toMatchObject({ operation: 'release' });
  });

  it('filters the inventory by exact namespace, shown state and nearness of expiry', async () => {
    const { as, clock } = setup();
    for (const [i, ns] of ['payments', 'payments-eu', 'billing'].entries()) {
      await as('alice').request({ ...request, namespaces: [ns], expires: `${5 + i * 10}d` });
      await as('bob').approve(`EX-${i + 1}`);
      if (i < 2) await as('carol').apply(`EX-${i + 1}`);
    }
    const ids = (items: { id: string }[]) => items.map((i) => i.id);
    expect(ids(await as('dave').list({ namespace: 'payments' }))).toEqual(['EX-1']);
    expect(ids(await as('dave').list({ states: ['approved'] }))).toEqual(['EX-3']);
    expect(ids(await as('dave').list({ expiringWithinMs: 7 * DAY_MS }))).toEqual(['EX-1']);
    clock.advance(6 * DAY_MS);
    expect(ids(await as('dave').list({ states: ['expired'] }))).toEqual(['EX-1']);
    expect(ids(await as('dave').list({ states: ['active'] }))).toEqual(['EX-2']);
    expect(ids(await as('dave').list({ expiringWithinMs: 7 * DAY_MS }))).toEqual([]);
  });

  it('enforces roles as well as identities', async () => {
    const { deps } = setup();
    const auditor = createWaiver(deps, { name: 'erin', roles: ['auditor'] });
    await expect(auditor.request(request)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await auditor.list()).toEqual([]);
  });

  it('sweeps only while holding the lease, so another replica waits its turn', async () => {
    const { as, clock, deps } = setup();
    await as('alice').request(request);
    await as('bob').approve('EX-1');
    await as('carol').apply('EX-1');
    clock.set('2026-12-14T09:00:00Z');
    expect(await deps.store.tryAcquireLease('sweep', 'other-replica', clock.now(), 60_000)).toBe(true);
    const held = await as('carol').sweep();
    expect(held).toMatchObject({ leaseHeldElsewhere: true, reminded: [] });
    expect((await as('alice').audit('EX-1')).map((e) => e.action)).not.toContain('reminded');
    clock.advance(60_000); // the other replica died: its lease lapses
    expect((await as('carol').sweep()).reminded).toEqual(['EX-1']);
    expect(await deps.store.tryAcquireLease('sweep', 'other-replica', clock.now(), 60_000)).toBe(true);
  });

  it('filters the audit trail by action, actor and time, of one exception or all', async () => {
    const { as, clock } = setup();
    await as('alice').request(request);
    clock.set('2026-12-02T09:00:00Z');
    await as('bob').approve('EX-1');
    clock.set('2026-12-03T09:00:00Z');
    await as('carol').apply('EX-1');
    const trail = (filter: Parameters<Waiver['audit']>[1], ref?: string) =>
      as('dave')
        .audit(ref, filter)
        .then((events) => events.map((e) => `${e.actor}:${e.action}`));
    expect(await trail({ action: 'approved' })).toEqual(['bob:approved']);
    expect(await trail({ actor: 'carol' }, 'EX-1')).toEqual(['carol:applied', 'carol:synced']);
    expect(
      await trail({
        sinceMs: Date.parse('2026-12-02T09:00:00Z'),
        untilMs: Date.parse('2026-12-03T09:00:00Z'),
      }),
    ).toEqual(['bob:approved']);
    expect(await trail({ actor: 'nobody' })).toEqual([]);
  });
});
