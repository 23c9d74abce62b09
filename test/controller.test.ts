import { afterEach, describe, expect, it } from 'vitest';
import { Controller, type ControllerRun } from '../src/controller/controller.js';
import { noChangeFeed, storeLeaderLease } from '../src/controller/store-lease.js';
import { defaultRouting } from '../src/domain/notification-routes.js';
import { defaultSettings } from '../src/domain/settings.js';
import { DAY_MS } from '../src/domain/time.js';
import { localActor } from '../src/service/actor.js';
import type { ServiceDeps } from '../src/service/deps.js';
import { createWaiver } from '../src/service/waiver.js';
import { DirectoryTarget } from '../src/targets/directory-target.js';
import { systemScheduler } from '../src/system/system-scheduler.js';
import { loadKubeConfig } from '../src/targets/kubernetes/kube-config.js';
import { KubernetesLease } from '../src/targets/kubernetes/kubernetes-lease.js';
import { PolicyExceptionWatch } from '../src/targets/kubernetes/policy-exception-watch.js';
import { KUBE_TARGET, kubeWorld, NAME, NS, request, type KubeWorld } from './support/kube/cluster.js';
import { ManualScheduler } from './support/manual-scheduler.js';
import { MemoryStore } from './support/memory-store.js';
import { oneTarget, TEST_TARGET } from './support/targets.js';
import { ManualClock, useTempDir } from './support/temp.js';
import { eventually } from './support/eventually.js';

const tempDir = useTempDir();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const quiet = { info: () => undefined, error: () => undefined };
const timings = { intervalMs: 60_000, renewMs: 100, backoffMs: 20, maxBackoffMs: 200 };

async function world(): Promise<KubeWorld> {
  const w = await kubeWorld(tempDir());
  cleanups.push(() => w.close());
  return w;
}

/** A controller on the test cluster whose timers only the test's scheduler fires. */
function controller(w: KubeWorld, identity: string, scheduler = new ManualScheduler()) {
  const kc = loadKubeConfig({ kubeconfig: w.kubeconfig });
  const c = new Controller({
    deps: { ...w.deps, instance: identity },
    target: KUBE_TARGET,
    lease: new KubernetesLease(
      kc,
      { namespace: NS, name: 'waiver-controller', identity, durationSeconds: 1 },
      w.clock,
    ),
    // The watch restarts on real timers, as it would in production; everything else waits on `scheduler`.
    changes: new PolicyExceptionWatch(kc, 'v2', systemScheduler, 10),
    scheduler,
    timings,
    identity,
    log: quiet,
  });
  cleanups.push(() => c.stop());
  return { c, scheduler };
}

describe('the running controller', () => {
  it('reacts at once to hand edits, deletions and rogue exceptions', async () => {
    const w = await world();
    await w.as('alice').request(request);
    await w.as('bob').approve('EX-1');
    await w.as('carol').apply('EX-1');
    const original = w.api.get('policyexceptions', NS, NAME)!;
    const { c } = controller(w, 'a');
    c.start();
    await eventually(() => expect(c.isLeader).toBe(true));

    w.api.seed('kyverno.io/v2', 'PolicyException', {
      ...original,
      spec: { ...original['spec'], background: false },
    });
    await eventually(() =>
      expect(w.api.get('policyexceptions', NS, NAME)?.['spec']).toEqual(original['spec']),
    );

    await w.target.remove(NS, NAME);
    await eventually(() =>
      expect(w.api.get('policyexceptions', NS, NAME)?.['spec']).toEqual(original['spec']),
    );

    w.api.seed('kyverno.io/v2', 'PolicyException', {
      metadata: { name: 'rogue', namespace: NS },
      spec: {
        exceptions: [{ policyName: 'require-image-signature', ruleNames: ['*'] }],
        match: { any: [{ resources: { kinds: ['Pod'] } }] },
      },
    });
    await eventually(async () =>
      expect((await w.as('dave').audit()).filter((e) => e.action === 'rogue_detected')).toHaveLength(1),
    );
    const changes = (await w.as('dave').audit('EX-1'))
      .filter((e) => e.action === 'drift_detected')
      .map((e) => e.data['change']);
    expect(changes).toEqual(['modified', 'deleted']);
  });

  it('resumes after its watch is dropped or compacted away (410 Gone), missing nothing', async () => {
    const w = await world();
    await w.as('alice').request(request);
    await w.as('bob').approve('EX-1');
    await w.as('carol').apply('EX-1');
    const { c } = controller(w, 'a');
    c.start();
    await eventually(() => expect(c.isLeader).toBe(true));
    // An event gives the watch a resourceVersion to resume from.
    w.api.seed('v1', 'Namespace', { metadata: { name: 'unrelated' } });
    await w.target.remove(NS, NAME);
    await eventually(() => expect(w.api.get('policyexceptions', NS, NAME)).toBeDefined());
    // Disconnected, something changes, and the history is compacted past the watch's resourceVersion.
    w.api.dropWatches();
    await w.target.remove(NS, NAME);
    w.api.compact();
    // The restarted watch resumes from its last resourceVersion, gets 410 Gone, and starts afresh.
    const watches = () => w.api.requests.filter((r) => r.path.includes('watch=true')).map((r) => r.path);
    await eventually(() => expect(watches().length).toBeGreaterThanOrEqual(3));
    expect(watches()[1]).toMatch(/resourceVersion=\d+/);
    expect(watches()[2]).not.toMatch(/resourceVersion=/);
    await eventually(() => expect(w.api.get('policyexceptions', NS, NAME)).toBeDefined());
  });

  it('lets one of two controllers lead; the other takes over when it stops', async () => {
    const w = await world();
    const a = controller(w, 'a');
    const b = controller(w, 'b');
    a.c.start();
    await eventually(() => expect(a.c.isLeader).toBe(true));
    const leaseCalls = () => w.api.requests.filter((r) => r.path.includes('/leases/')).length;
    const before = leaseCalls();
    b.c.start();
    await eventually(() => expect(leaseCalls()).toBeGreaterThan(before));
    // Both renew on schedule; the holder keeps it, the standby keeps asking.
    for (let round = 0; round < 3; round++) {
      await eventually(() => {
        expect(a.scheduler.dueWithin(timings.renewMs)).toBe(1);
        expect(b.scheduler.dueWithin(timings.renewMs)).toBe(1);
      });
      const calls = leaseCalls();
      a.scheduler.advance(timings.renewMs);
      b.scheduler.advance(timings.renewMs);
      // The holder reads and renews; the standby reads and sees it held.
      await eventually(() => expect(leaseCalls()).toBe(calls + 3));
    }
    expect(b.c.isLeader).toBe(false);
    expect(w.api.get('leases', NS, 'waiver-controller')?.['spec'].holderIdentity).toBe('a');
    await a.c.stop();
    await eventually(() => expect(b.scheduler.dueWithin(timings.renewMs)).toBe(1));
    b.scheduler.advance(timings.renewMs);
    await eventually(() => expect(b.c.isLeader).toBe(true));
    expect(w.api.get('leases', NS, 'waiver-controller')?.['spec'].holderIdentity).toBe('b');
  });

  it('backs off exponentially up to its cap while the API fails, and converges when it is back', async () => {
    const w = await world();
    await w.as('alice').request(request);
    await w.as('bob').approve('EX-1');
    w.api.faults.push({
      // Writes and lists fail; the watch still connects, so only the runs fail.
      match: (r) =>
        r.method === 'PATCH' ||
        (r.method === 'GET' && r.path.includes('/policyexceptions') && !r.path.includes('watch=true')),
      answer: 500,
      times: 1_000,
    });
    await expect(w.as('carol').apply('EX-1')).rejects.toMatchObject({ code: 'target' });
    const { c, scheduler } = controller(w, 'a');
    c.start();
    await eventually(() => expect(c.isLeader).toBe(true));
    const backoff = () => scheduler.requested.filter((ms) => ms !== timings.renewMs);
    // Each failed run asks to be retried after twice the delay before, never more than the cap.
    for (const expected of [20, 40, 80, 160, 200, 200]) {
      await eventually(() => expect(backoff().at(-1)).toBe(expected));
      scheduler.advance(expected);
    }
    w.api.faults.length = 0;
    await eventually(() => expect(w.api.list('policyexceptions')).toHaveLength(1));
    await eventually(async () =>
      expect(await w.as('dave').get('EX-1')).toMatchObject({ syncStatus: 'synced' }),
    );
    // Success: the next run waits the full interval.
    await eventually(() => expect(backoff().at(-1)).toBe(timings.intervalMs));
  });
});

describe('a folder target', () => {
  /** A folder's controller as the composition root starts it: the store's lease, nothing to watch. */
  function folderController(deps: ServiceDeps, clock: ManualClock, identity: string) {
    const scheduler = new ManualScheduler();
    const runs: ControllerRun[] = [];
    const c = new Controller({
      deps: { ...deps, instance: identity },
      target: TEST_TARGET,
      lease: storeLeaderLease(deps.store, `controller:${TEST_TARGET}`, identity, 3 * timings.renewMs, clock),
      changes: noChangeFeed,
      scheduler,
      timings,
      identity,
      log: quiet,
      onRun: (run) => runs.push(run),
    });
    cleanups.push(() => c.stop());
    return { c, scheduler, runs };
  }

  it('runs as a controller on the store lease: one replica sweeps on schedule, the other takes over', async () => {
    const clock = new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
    const deps: ServiceDeps = {
      store: new MemoryStore(),
      targets: oneTarget(new DirectoryTarget(tempDir(), { createRoot: true })),
      notifications: defaultRouting,
      clock,
      instance: 'test',
      settings: defaultSettings,
    };
    const as = (name: string) => createWaiver(deps, localActor(name));
    await as('alice').request(request);
    await as('bob').approve('EX-1');
    await as('carol').apply('EX-1');
    const a = folderController(deps, clock, 'a');
    const b = folderController(deps, clock, 'b');
    a.c.start();
    await eventually(() => expect(a.runs).toHaveLength(1));
    b.c.start();
    await eventually(() => expect(b.scheduler.dueWithin(timings.renewMs)).toBe(1));
    expect(a.c.isLeader).toBe(true);
    expect(b.c.isLeader).toBe(false);
    // A folder cannot be read back: its run is the sweep alone.
    expect(a.runs[0]).toMatchObject({ target: TEST_TARGET, sweep: { expired: [] } });
    expect(a.runs[0]?.reconcile).toBeUndefined();

    clock.advance(30 * DAY_MS);
    await eventually(() => expect(a.scheduler.dueWithin(timings.intervalMs)).toBe(2));
    a.scheduler.advance(timings.intervalMs);
    await eventually(() => expect(a.runs).toHaveLength(2));
    expect(a.runs[1]?.sweep.expired).toEqual(['EX-1']);
    expect(await as('dave').get('EX-1')).toMatchObject({ state: 'removed', endReason: 'expired' });
    // The leader renewed as of the new time; the standby, asking after it, still stands by.
    await eventually(() => expect(a.scheduler.dueWithin(timings.renewMs)).toBe(1));
    const asked = b.scheduler.requested.length;
    b.scheduler.advance(timings.renewMs);
    await eventually(() => expect(b.scheduler.requested.length).toBe(asked + 1));
    expect(b.c.isLeader).toBe(false);
    expect(b.runs).toEqual([]);

    await a.c.stop();
    await eventually(() => expect(b.scheduler.dueWithin(timings.renewMs)).toBe(1));
    b.scheduler.advance(timings.renewMs);
    await eventually(() => expect(b.runs).toHaveLength(1));
    expect(b.c.isLeader).toBe(true);
  });
});
