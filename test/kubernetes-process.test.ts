import { afterEach, describe, expect, it } from 'vitest';
import { renderPolicyException } from '../src/domain/render.js';
import { KUBE_TARGET, kubeWorld, NAME, NS, request, type KubeWorld } from './support/kube/cluster.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const worlds: KubeWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});
async function world(options: { catalog?: boolean } = {}): Promise<KubeWorld> {
  const w = await kubeWorld(tempDir(), options);
  worlds.push(w);
  return w;
}

async function applied(w: KubeWorld): Promise<void> {
  await w.as('alice').request(request);
  await w.as('bob').approve('EX-1');
  await w.as('carol').apply('EX-1');
}

const actions = async (w: KubeWorld) => (await w.as('dave').audit()).map((e) => e.action);

describe('the process against a cluster', () => {
  it('applies into the cluster with the rendered spec, and the sweep removes it after expiry', async () => {
    const w = await world();
    await applied(w);
    const record = (await w.deps.store.getException(1))!;
    const stored = w.api.get('policyexceptions', NS, NAME);
    const manifest = renderPolicyException(record, w.deps.settings);
    expect(stored?.['spec']).toEqual(manifest.spec);
    expect(stored?.['metadata'].labels).toEqual(manifest.metadata.labels);
    expect(stored?.['metadata'].annotations).toEqual(manifest.metadata.annotations);
    // Only apply wrote: reminders are bookkeeping, never a write to the cluster.
    w.clock.set('2026-12-14T09:00:00Z');
    const writes = () => w.api.requests.filter((r) => r.method !== 'GET').length;
    const before = writes();
    expect((await w.as('carol').sweep()).reminded).toEqual(['EX-1']);
    expect(writes()).toBe(before);

    w.clock.set('2026-12-21T09:00:01Z');
    expect((await w.as('carol').sweep()).expired).toEqual(['EX-1']);
    expect(w.api.get('policyexceptions', NS, NAME)).toBeUndefined();
  });

  it('restores a hand edit, re-creates a deletion, removes a resurrection, and audits each', async () => {
    const w = await world();
    await applied(w);
    const original = w.api.get('policyexceptions', NS, NAME)!;
    // Someone widens the exception by hand.
    w.api.seed('kyverno.io/v2', 'PolicyException', {
      ...original,
      metadata: {
        ...original['metadata'],
        annotations: { ...original['metadata'].annotations, reason: 'whatever' },
      },
      spec: { ...original['spec'], match: { any: [{ resources: { kinds: ['Pod'], namespaces: ['*'] } }] } },
    });
    const report = await w.as('carol').reconcile();
    expect(report.restored).toEqual(['EX-1']);
    expect(w.api.get('policyexceptions', NS, NAME)?.['spec']).toEqual(original['spec']);
    const drift = (await w.as('dave').audit('EX-1')).find((e) => e.action === 'drift_detected');
    expect(drift?.data['change']).toBe('modified');
    // Security hears of it (the log, until a channel is configured).
    expect((await w.deps.store.listNotifications()).filter((n) => n.event === 'drift')).toMatchObject([
      { key: `drift:EX-1:${drift?.seq}`, channel: 'log', payload: { details: { change: 'modified' } } },
    ]);
    expect((drift?.data['diff'] as { field: string }[]).map((d) => d.field)).toEqual([
      'spec',
      'metadata.annotations.reason',
    ]);

    // Someone deletes it.
    await w.target.remove(NS, NAME);
    expect((await w.as('carol').reconcile()).created).toEqual(['EX-1']);
    expect(w.api.get('policyexceptions', NS, NAME)?.['spec']).toEqual(original['spec']);

    // Revoked, then someone puts it back by hand.
    await w.as('bob').revoke('EX-1');
    w.api.seed('kyverno.io/v2', 'PolicyException', original);
    expect((await w.as('carol').reconcile()).deleted).toEqual(['EX-1']);
    expect(w.api.get('policyexceptions', NS, NAME)).toBeUndefined();
    const changes = (await w.as('dave').audit('EX-1'))
      .filter((e) => e.action === 'drift_detected')
      .map((e) => e.data['change']);
    expect(changes).toEqual(['modified', 'deleted', 'resurrected']);
    // Nothing left to do: a second pass changes nothing.
    const events = (await actions(w)).length;
    expect(await w.as('carol').reconcile()).toMatchObject({ created: [], restored: [], deleted: [] });
    expect((await actions(w)).length).toBe(events);
  });

  it('finishes a revoke whose delete failed, without calling it drift', async () => {
    const w = await world();
    await applied(w);
    w.api.faults.push({ match: (r) => r.method === 'DELETE', answer: 500, times: 100 });
    await expect(w.as('bob').revoke('EX-1')).rejects.toMatchObject({ code: 'target' });
    expect(await w.as('dave').get('EX-1')).toMatchObject({ state: 'removed', syncStatus: 'error' });
    w.api.faults.length = 0;
    expect((await w.as('carol').reconcile()).deleted).toEqual(['EX-1']);
    expect(w.api.list('policyexceptions')).toHaveLength(0);
    expect(await w.as('dave').get('EX-1')).toMatchObject({ syncStatus: 'synced' });
    expect(await actions(w)).not.toContain('drift_detected');
  });

  it('lists rogue exceptions in any namespace and audits each once', async () => {
    const w = await world();
    const rogue = (namespace: string, name: string) =>
      w.api.seed('kyverno.io/v2', 'PolicyException', {
        metadata: { name, namespace },
        spec: {
          exceptions: [{ policyName: 'require-image-signature', ruleNames: ['check-image-signature'] }],
          match: { any: [{ resources: { kinds: ['Pod'], namespaces: ['payments'] } }] },
        },
      });
    rogue(NS, 'quick-fix');
    rogue('payments', 'sneaky');
    const unmanaged = await w.as('dave').unmanaged();
    expect(unmanaged.map((u) => [u.namespace, u.name, u.inExceptionNamespace])).toEqual([
      // In the API server's order: by namespace, then name.
      ['payments', 'sneaky', false],
      [NS, 'quick-fix', true],
    ]);
    await w.as('carol').reconcile();
    await w.as('carol').reconcile();
    const rogues = (await w.as('dave').audit()).filter((e) => e.action === 'rogue_detected');
    expect(rogues.map((e) => e.data['name'])).toEqual(['sneaky', 'quick-fix']);
    const told = (await w.deps.store.listNotifications()).filter((n) => n.event === 'rogue');
    expect(told.map((n) => n.payload.details['name'])).toEqual(['sneaky', 'quick-fix']);
    // Rogues are reported, never deleted: that is a person's decision (import, or kubectl delete).
    expect(w.api.list('policyexceptions')).toHaveLength(2);
  });

  it('imports rogue exceptions: active records, what they lack, at most 30 days, labelled managed', async () => {
    const w = await world();
    w.api.seed('kyverno.io/v2', 'PolicyException', {
      metadata: { name: 'vendor-agent', namespace: NS, annotations: { 'jira-ticket': 'SEC-9' } },
      spec: {
        exceptions: [{ policyName: 'require-image-signature', ruleNames: ['check-image-signature'] }],
        match: { any: [{ resources: { kinds: ['Pod'], namespaces: ['payments'], names: ['agent-*'] } }] },
      },
    });
    w.api.seed('kyverno.io/v2', 'PolicyException', {
      metadata: { name: 'elsewhere', namespace: 'payments' },
      spec: {
        exceptions: [{ policyName: 'p', ruleNames: ['r'] }],
        match: { any: [{ resources: { kinds: ['Pod'] } }] },
      },
    });
    const dry = await w.as('carol').import({ dryRun: true });
    expect(dry.imported).toEqual([
      {
        target: KUBE_TARGET,
        namespace: NS,
        name: 'vendor-agent',
        lacks: ['expiry', 'category', 'justification', 'requestor'],
        expiresAt: '2026-12-31T09:00:00Z',
      },
    ]);
    expect(dry.refused.map((r) => r.name)).toEqual(['elsewhere']);
    expect(await w.as('dave').list()).toEqual([]);
    expect(w.api.get('policyexceptions', NS, 'vendor-agent')?.['metadata'].labels).toBeUndefined();

    const done = await w.as('carol').import({ dryRun: false });
    expect(done.imported[0]?.id).toBe('EX-1');
    // An adopted exception is in force: the metrics count it as the inventory does.
    expect((await w.as('dave').metrics()).activeExceptions).toBe(
      (await w.as('dave').list({ states: ['active'] })).length,
    );
    expect((await w.as('dave').metrics()).activeExceptions).toBe(1);
    const record = await w.as('dave').get('EX-1');
    expect(record).toMatchObject({
      state: 'active',
      ticket: 'SEC-9',
      approver: 'carol',
      syncStatus: 'synced',
      names: ['agent-*'],
    });
    const labels = w.api.get('policyexceptions', NS, 'vendor-agent')?.['metadata'].labels;
    expect(labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'waiver',
      'waiver.io/exception-id': 'EX-1',
    });
    expect((await w.as('dave').audit('EX-1')).map((e) => e.action)).toEqual(['imported', 'synced']);
    expect(await w.as('dave').unmanaged()).toHaveLength(1); // only the one in the wrong namespace
    expect((await w.as('carol').import({ dryRun: false })).imported).toEqual([]);
  });

  it('converges after a crash between the store commit and the cluster write', async () => {
    const w = await world();
    await w.as('alice').request(request);
    await w.as('bob').approve('EX-1');
    w.api.faults.push({ match: (r) => r.method === 'PATCH', answer: 500, times: 100 });
    await expect(w.as('carol').apply('EX-1')).rejects.toMatchObject({ code: 'target' });
    expect(await w.as('dave').get('EX-1')).toMatchObject({ state: 'active', syncStatus: 'error' });
    expect(w.api.list('policyexceptions')).toHaveLength(0);
    w.api.faults.length = 0;
    expect((await w.as('carol').reconcile()).created).toEqual(['EX-1']);
    expect(w.api.list('policyexceptions')).toHaveLength(1);
    expect(await w.as('dave').get('EX-1')).toMatchObject({ syncStatus: 'synced' });
  });

  it('removes an exception that expired while the API was down as soon as it is back, and the metrics show the delay', async () => {
    const w = await world();
    await applied(w);
    w.api.faults.push({ match: (r) => r.method === 'DELETE', answer: 500, times: 1000 });
    w.clock.set('2026-12-21T09:00:00Z');
    const down = await w.as('carol').sweep();
    expect(down.expired).toEqual([]);
    expect(down.failed.map((f) => f.id)).toEqual(['EX-1']);
    expect(await w.as('dave').get('EX-1')).toMatchObject({ state: 'expired', syncStatus: 'error' });
    w.clock.set('2026-12-21T11:00:00Z');
    w.api.faults.length = 0;
    expect((await w.as('carol').sweep()).expired).toEqual(['EX-1']);
    expect(w.api.list('policyexceptions')).toHaveLength(0);
    const metrics = await w.as('dave').metrics();
    expect(metrics.removalLatency.maxSeconds).toBe(2 * 3600);
    expect(metrics.removalLatency.warning).toMatch(/./);
  });

  it('checks a request against the cluster: the policy, its rules and the namespaces must exist', async () => {
    const w = await world({ catalog: true });
    await expect(w.as('alice').request({ ...request, policy: 'no-such-policy' })).rejects.toMatchObject({
      code: 'guardrail',
      message: 'policy: no ClusterPolicy no-such-policy in the cluster [policy-not-found]',
    });
    await expect(w.as('alice').request({ ...request, rules: ['other-rule'] })).rejects.toMatchObject({
      code: 'guardrail',
      field: 'rules',
    });
    await expect(w.as('alice').request({ ...request, namespaces: ['ghost'] })).rejects.toMatchObject({
      message: 'namespaces: no namespace ghost in the cluster [namespace-not-found]',
    });
    expect((await w.as('alice').request(request)).exception).toMatchObject({ state: 'pending' });
    const controllers = await w.as('alice').request({ ...request, ticket: 'MIG-8', kinds: ['Deployment'] });
    expect(controllers.exception.rules).toEqual(['check-image-signature', 'autogen-check-image-signature']);
  });
});
