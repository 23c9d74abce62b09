import { afterEach, describe, expect, it } from 'vitest';
import { defaultRouting } from '../src/domain/notification-routes.js';
import { defaultSettings } from '../src/domain/settings.js';
import { DAY_MS, HOUR_MS } from '../src/domain/time.js';
import { serverMetrics } from '../src/server/prometheus.js';
import { localActor } from '../src/service/actor.js';
import type { ServiceDeps } from '../src/service/deps.js';
import { countExceptions } from '../src/service/list-exceptions.js';
import { metricsTracker, type TrackedFigures } from '../src/service/metrics-tracker.js';
import type { ExceptionStore } from '../src/service/ports/store.js';
import { createWaiver } from '../src/service/waiver.js';
import { openStore } from '../src/wire/deps.js';
import { backends } from './support/databases.js';
import { RecordingTarget } from './support/recording-target.js';
import { legacyRequest } from './support/requests.js';
import { oneTarget } from './support/targets.js';
import { ManualClock } from './support/temp.js';

const opened: ExceptionStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

describe.each(backends)('the scrape figures on $name', ({ enabled, databases }) => {
  if (!enabled) return it.skip('needs WAIVER_TEST_DATABASE_URL');
  const db = databases();

  it('equal a full read of the trail and a count of the records, with a second writer, across window rolls', async () => {
    const database = await db.fresh();
    const clock = new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
    const target = new RecordingTarget();
    /** One process on the shared database: its own store connection, the same clock. */
    const process = async (instance: string): Promise<ServiceDeps> => {
      const store = await openStore(database);
      opened.push(store);
      return {
        store,
        targets: oneTarget(target),
        notifications: defaultRouting,
        clock,
        instance,
        settings: defaultSettings,
      };
    };
    const [one, two, scraper] = [await process('one'), await process('two'), await process('scraper')];
    const as = (deps: ServiceDeps, name: string) => createWaiver(deps, localActor(name));
    const auditor = localActor('dave');
    const tracker = metricsTracker(scraper, auditor);
    const fromScratch = async (): Promise<TrackedFigures> => ({
      metrics: await as(scraper, 'dave').metrics(),
      counts: await countExceptions(scraper, auditor),
    });
    const same = async () => expect(await tracker.figures()).toEqual(await fromScratch());

    await same();
    // The first process requests, approves and applies; the second reviews and ends some of them.
    for (let i = 1; i <= 6; i++) {
      await as(one, 'alice').request({
        ...legacyRequest(`MIG-${i}`),
        names: [`svc-${i}-*`],
        expires: `${i * 3}d`,
      });
      if (i % 3 !== 0) await as(two, 'bob').approve(`EX-${i}`);
      if (i % 3 === 1) await as(one, 'carol').apply(`EX-${i}`);
      await same();
      clock.advance(HOUR_MS);
    }
    await as(two, 'bob').reject('EX-3', 'not a migration');
    await as(two, 'bob').revoke('EX-4', 'image signed');
    await as(one, 'alice').withdraw('EX-6');
    await same();
    // Time alone moves an exception from active to expired, and the weeks and the window roll on.
    for (const step of [3 * DAY_MS, 1000, 7 * DAY_MS]) {
      clock.advance(step);
      await same();
    }
    // The second process sweeps: the expired exception is removed, and the scraper sees it.
    await as(two, 'carol').sweep();
    await same();
    // A renewal applied by the other process supersedes its exception: ended, renewed, still one count.
    await as(one, 'alice').request({ ...legacyRequest('MIG-8'), names: ['svc-8-*'], expires: '20d' });
    await as(two, 'bob').approve('EX-7');
    await as(one, 'carol').apply('EX-7');
    clock.advance(DAY_MS);
    const { exception: renewal } = await as(one, 'alice').renew('EX-7', {
      reason: 'The migration of the second batch takes another two weeks',
      expires: '14d',
    });
    await same();
    await as(two, 'bob').approve(renewal.id);
    await as(one, 'carol').apply(renewal.id);
    await same();
    expect((await tracker.figures()).metrics.counts.renewed).toBe(1);
    // An event no figure reads is passed over, and only once: the next call starts after it.
    await as(two, 'bob').escalate(renewal.id, 'the images cannot be signed: a policy change is due');
    await same();
    expect(tracker.lastSeq).toBe((await scraper.store.listAudit()).at(-1)?.seq);
    expect((await scraper.store.listAudit()).at(-1)?.action).toBe('escalated');
    clock.advance(40 * DAY_MS);
    await same();
  });
});

describe('a rendered scrape', () => {
  /** Sources that count how often the figures were computed. */
  const sources = (clock: ManualClock) => {
    const state = { seq: 1, figured: 0, pending: {} as Record<string, number> };
    const metrics = serverMetrics(
      {
        catchUp: () => Promise.resolve(state.seq),
        figures: () => {
          state.figured++;
          return Promise.resolve(empty(clock.now()));
        },
        pendingNotifications: () => Promise.resolve(state.pending),
        now: () => clock.now(),
      },
      5_000,
    );
    return { state, metrics };
  };

  it('is served again while nothing changed, until the reuse window passes on the injected clock', async () => {
    const clock = new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
    const { state, metrics } = sources(clock);
    const first = await metrics.render();
    expect(await metrics.render()).toBe(first);
    clock.advance(4_999);
    expect(await metrics.render()).toBe(first);
    expect(state.figured).toBe(1);
    clock.advance(1);
    await metrics.render();
    expect(state.figured).toBe(2);
    // An audit event written (by any process), a notification pending, a figure this process set.
    state.seq++;
    await metrics.render();
    expect(state.figured).toBe(3);
    state.pending = { log: 1 };
    expect(await metrics.render()).toMatch(/^waiver_notifications_pending\{channel="log"\} 1$/m);
    expect(state.figured).toBe(4);
    metrics.setUnmanaged('folder', 2);
    expect(await metrics.render()).toMatch(/^waiver_unmanaged_exceptions\{target="folder"\} 2$/m);
    expect(state.figured).toBe(5);
    await metrics.render();
    expect(state.figured).toBe(5);
    // A clock put back is not trusted to be inside the window.
    clock.advance(-1);
    await metrics.render();
    expect(state.figured).toBe(6);
  });
});

function empty(nowMs: number): TrackedFigures {
  const target = { value: null, target: 0, comparison: '<' as const, meets: true };
  return {
    metrics: {
      at: new Date(nowMs).toISOString(),
      windowDays: 90,
      activeExceptions: 0,
      averageDurationDays: null,
      expiredRemovedRate: null,
      removalLatency: { medianSeconds: null, maxSeconds: null, outstanding: 0, warning: null },
      renewalRate: null,
      trend: { slope: 0, weekly: [], weeks: [] },
      redFlag: false,
      targets: {
        averageDurationDays: target,
        expiredRemovedRate: target,
        renewalRate: target,
        trend: target,
      },
      counts: { endedInWindow: 0, expiredInWindow: 0, removedAfterExpiry: 0, renewed: 0 },
    },
    counts: {},
  };
}
