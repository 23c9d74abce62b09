import { afterEach, describe, expect, it } from 'vitest';
import { renderManifest } from '../src/domain/render.js';
import { diagnose } from '../src/targets/kubernetes/doctor.js';
import { loadKubeConfig } from '../src/targets/kubernetes/kube-config.js';
import { kubeWorld, NAME, NS, request, type KubeWorld } from './support/kube/cluster.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const worlds: KubeWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

const CEL = 'policyexceptions.policies.kyverno.io';
const celRequest = {
  ...request,
  apiVersion: 'policies.kyverno.io/v1' as const,
  policy: 'ImageValidatingPolicy/check-images',
};

/** A cluster with Kyverno's CEL API: the CEL PolicyException CRD, an ImageValidatingPolicy, two pods. */
async function world(): Promise<KubeWorld> {
  const w = await kubeWorld(tempDir(), { catalog: true });
  worlds.push(w);
  w.api.seed('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
    metadata: { name: CEL },
    spec: {
      versions: [
        { name: 'v1', served: true },
        { name: 'v1beta1', served: true },
      ],
    },
  });
  w.api.seed('policies.kyverno.io/v1', 'ImageValidatingPolicy', {
    metadata: { name: 'check-images' },
    spec: {
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] },
        ],
      },
    },
  });
  for (const name of ['payments-api-1', 'payments-web-1'])
    w.api.seed('v1', 'Pod', { metadata: { name, namespace: 'payments' }, spec: { containers: [] } });
  return w;
}

describe('the CEL PolicyException through the whole process', () => {
  it('is requested, approved, applied as policies.kyverno.io/v1, covers, and is removed at expiry', async () => {
    const w = await world();
    await w.as('alice').request(celRequest);
    // Before approval, the reviewer sees what it exempts: matched with its own CEL.
    const before = await w.as('bob').covers('EX-1');
    expect(before.items.map((i) => `${i.resource.name} ${i.policy} ${String(i.covered)}`)).toEqual([
      'payments-api-1 ImageValidatingPolicy/check-images true',
    ]);
    expect(before.notCovered).toBe(1);
    await w.as('bob').approve('EX-1');
    await w.as('carol').apply('EX-1');

    const stored = w.api.get(CEL, NS, NAME);
    const record = (await w.deps.store.getException(1))!;
    expect(stored?.['apiVersion']).toBe('policies.kyverno.io/v1');
    expect(stored?.['spec']).toEqual(renderManifest(record, w.deps.settings).spec);
    expect(stored?.['spec'].policyRefs).toEqual([{ name: 'check-images', kind: 'ImageValidatingPolicy' }]);
    expect(w.api.get('policyexceptions', NS, NAME)).toBeUndefined();

    // The reconciler reads both groups: nothing to do, nothing rogue.
    const quiet = await w.as('carol').reconcile();
    expect(quiet).toMatchObject({ restored: [], created: [], deleted: [], failed: [] });
    expect(await w.as('dave').unmanaged()).toEqual([]);

    // Kyverno's background reports ignore expiresAt: Waiver removes it at expiry all the same.
    w.clock.set('2026-12-21T09:00:01Z');
    expect((await w.as('carol').sweep()).expired).toEqual(['EX-1']);
    expect(w.api.get(CEL, NS, NAME)).toBeUndefined();
  });

  it('restores a hand edit of the CEL scope, and finds a CEL exception made behind its back', async () => {
    const w = await world();
    await w.as('alice').request(celRequest);
    await w.as('bob').approve('EX-1');
    await w.as('carol').apply('EX-1');
    const original = w.api.get(CEL, NS, NAME)!;
    w.api.seed('policies.kyverno.io/v1', 'PolicyException', {
      ...original,
      spec: { ...original['spec'], matchConditions: [{ name: 'all', expression: 'true' }] },
    });
    const report = await w.as('carol').reconcile();
    expect(report.restored).toEqual(['EX-1']);
    expect(w.api.get(CEL, NS, NAME)?.['spec']).toEqual(original['spec']);

    w.api.seed('policies.kyverno.io/v1', 'PolicyException', {
      metadata: { name: 'sneaky', namespace: 'payments' },
      spec: { policyRefs: [{ name: 'check-images', kind: 'ImageValidatingPolicy' }] },
    });
    expect((await w.as('dave').unmanaged()).map((u) => [u.namespace, u.name])).toEqual([
      ['payments', 'sneaky'],
    ]);
    // One in the exception namespace is refused for import with the way forward, and left alone.
    w.api.seed('policies.kyverno.io/v1', 'PolicyException', {
      metadata: { name: 'quick', namespace: NS },
      spec: { policyRefs: [{ name: 'check-images', kind: 'ImageValidatingPolicy' }] },
    });
    const plan = await w.as('carol').import({ dryRun: false });
    expect(JSON.stringify(plan)).toContain(
      'request it anew (--api-version policies.kyverno.io/v1 --policy ImageValidatingPolicy/check-images)',
    );
    expect(w.api.get(CEL, NS, 'quick')).toBeDefined();
  });

  it('refuses a CEL request for a policy the cluster lacks, and says which kind each policy needs', async () => {
    const w = await world();
    await expect(
      w.as('alice').request({ ...celRequest, policy: 'ValidatingPolicy/missing' }),
    ).rejects.toMatchObject({
      code: 'guardrail',
      message: expect.stringContaining('no ValidatingPolicy/missing') as unknown,
    });
    await w.as('alice').request(celRequest);
    const doctor = await w.as('dave').doctor();
    const kinds = doctor.findings.filter((f) => f.check === 'exception-kinds').map((f) => f.message);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'CEL PolicyExceptions (policies.kyverno.io) served: v1, v1beta1',
        'ImageValidatingPolicy/check-images takes a policies.kyverno.io/v1 PolicyException',
        'require-image-signature takes a kyverno.io PolicyException',
      ]),
    );
    // With the CEL kind as the configured API, the CRD check reads the CEL CRD, not the kyverno.io one.
    const cel = await diagnose(
      loadKubeConfig({ kubeconfig: w.kubeconfig }),
      { ...w.deps.settings, apiVersion: 'policies.kyverno.io/v1' },
      [],
    );
    expect(cel.find((f) => f.check === 'crd')).toMatchObject({
      status: 'ok',
      message: 'PolicyException CRD serves v1, v1beta1',
    });
  });
});
