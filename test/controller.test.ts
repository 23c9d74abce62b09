import { afterEach, describe, expect, it, vi } from 'vitest';
import { Controller } from '../src/controller/controller.js';
import { loadKubeConfig } from '../src/targets/kubernetes/kube-config.js';
import { kubeWorld, NAME, NS, request, type KubeWorld } from './support/kube/cluster.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const quiet = { info: () => undefined, error: () => undefined };

async function world(): Promise<KubeWorld> {
  const w = await kubeWorld(tempDir());
  cleanups.push(() => w.close());
  return w;
}

function controller(w: KubeWorld, identity: string): Controller {
  const c = new Controller({
    deps: { ...w.deps, instance: identity },
    kc: loadKubeConfig({ kubeconfig: w.kubeconfig }),
    identity,
    intervalMs: 60_000,
    renewMs: 100,
    backoffMs: 20,
    maxBackoffMs: 200,
    log: quiet,
  });
  cleanups.push(() => c.stop());
  return c;
}

/** Polls until the condition holds: the controller reacts to watch events on its own time. */
const eventually = (check: () => void | Promise<void>) =>
  vi.waitFor(check, { timeout: 15_000, interval: 20 });

describe('the running controller', () => {
  it('reacts at once to hand edits, deletions and rogue exceptions', async () => {
    const w = await world();
    await w.as('alice').request(request);
    await w.as('bob').approve('EX-1');
    await w.as('carol').apply('EX-1');
    const original = w.api.get('policyexceptions', NS, NAME)!;
    const c = controller(w, 'a');
    c.start();
    await eventually(() => expect(c.isLeader).toBe(true));

    w.api.seed('kyverno.io/v2', 'PolicyException', {
      ...original,
      spec: { ...original['spec'], background: false },
    });
    await eventually(() =>
      expect(w.api.get('policyexceptions', NS, NAME)?.['spec']).toEqual(original['spec']),
    );

    await w.deps.target.remove(NS, NAME);
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
    const c = controller(w, 'a');
    c.start();
    await eventually(() => expect(c.isLeader).toBe(true));
    // An event gives the watch a resourceVersion to resume from.
    w.api.seed('v1', 'Namespace', { metadata: { name: 'unrelated' } });
    await w.deps.target.remove(NS, NAME);
    await eventually(() => expect(w.api.get('policyexceptions', NS, NAME)).toBeDefined());
    // Disconnected, something changes, and the history is compacted past the watch's resourceVersion.
    w.api.dropWatches();
    await w.deps.target.remove(NS, NAME);
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
    a.start();
    await eventually(() => expect(a.isLeader).toBe(true));
    b.start();
    await eventually(() =>
      expect(w.api.requests.filter((r) => r.path.includes('/leases/')).length).toBeGreaterThan(4),
    );
    expect(b.isLeader).toBe(false);
    expect(w.api.get('leases', NS, 'waiver-controller')?.['spec'].holderIdentity).toBe('a');
    await a.stop();
    await eventually(() => expect(b.isLeader).toBe(true));
    expect(w.api.get('leases', NS, 'waiver-controller')?.['spec'].holderIdentity).toBe('b');
  });

  it('backs off while the API fails, and converges when it is back', async () => {
    const w = await world();
    await w.as('alice').request(request);
    await w.as('bob').approve('EX-1');
    w.api.faults.push({
      match: (r) => r.method === 'PATCH' || r.path.includes('policyexceptions?'),
      answer: 500,
      times: 1_000,
    });
    await expect(w.as('carol').apply('EX-1')).rejects.toMatchObject({ code: 'target' });
    const c = controller(w, 'a');
    c.start();
    await eventually(() => expect(c.isLeader).toBe(true));
    await eventually(() =>
      expect(w.api.requests.filter((r) => r.path.includes('policyexceptions?')).length).toBeGreaterThan(3),
    );
    w.api.faults.length = 0;
    await eventually(() => expect(w.api.list('policyexceptions')).toHaveLength(1));
    await eventually(async () =>
      expect(await w.as('dave').get('EX-1')).toMatchObject({ syncStatus: 'synced' }),
    );
  });
});
