import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultGuardOptions, renderGuard } from '../src/domain/guard.js';
import { defaultSettings } from '../src/domain/settings.js';
import type { DoctorFinding as Finding } from '../src/domain/doctor-finding.js';
import { requiredPermissions } from '../src/targets/kubernetes/doctor.js';
import { KUBE_TARGET, kubeWorld, type KubeWorld } from './support/kube/cluster.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const worlds: KubeWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

const rbac = parseAllDocuments(readFileSync(new URL('../deploy/rbac.yaml', import.meta.url), 'utf8')).map(
  (d) =>
    d.toJS() as {
      kind: string;
      metadata: { name: string; namespace?: string; labels?: Record<string, string> };
      rules?: any[];
    },
);

async function doctor(prepare: (w: KubeWorld) => void = () => undefined): Promise<Finding[]> {
  const w = await kubeWorld(tempDir());
  worlds.push(w);
  prepare(w);
  // Through the use case, as the CLI and the API call it: the default policy and every live one.
  const report = await w.as('dave').doctor();
  expect(report.failed).toBe(report.findings.filter((f) => f.status === 'fail').length);
  return report.findings;
}

const status = (findings: Finding[], check: string) =>
  findings.filter((f) => f.check === check).map((f) => f.status);

describe('waiver doctor', () => {
  it('is content with a cluster set up as deploy/ describes', async () => {
    const findings = await doctor((w) => {
      const cleanup = rbac.find(
        (d) => d.metadata.labels?.['rbac.kyverno.io/aggregate-to-cleanup-controller'],
      );
      w.api.seed('rbac.authorization.k8s.io/v1', 'ClusterRole', cleanup!);
      for (const object of renderGuard(defaultGuardOptions(defaultSettings)))
        w.api.seed(String(object['apiVersion']), String(object['kind']), object);
    });
    expect(findings.filter((f) => f.status !== 'ok')).toEqual([]);
    expect(findings.map((f) => f.check)).toEqual([
      'cluster',
      'crd',
      'exception-kinds',
      'exception-kinds',
      'kyverno',
      'kyverno',
      'namespace',
      'policies',
      'rbac',
      'cleanup',
      'guard',
    ]);
  });

  it('names what to fix: exceptions disabled, the wrong namespace, a missing policy, RBAC, the cleanup role', async () => {
    const findings = await doctor((w) => {
      w.api.seed('apps/v1', 'Deployment', {
        metadata: { name: 'kyverno-admission-controller', namespace: 'kyverno' },
        spec: {
          template: { spec: { containers: [{ name: 'kyverno', args: ['--exceptionNamespace=kyverno'] }] } },
        },
      });
      w.api.forbidden.add('delete policyexceptions');
    });
    const fails = findings.filter((f) => f.status === 'fail').map((f) => f.message);
    expect(fails).toEqual([
      'Kyverno runs with --enablePolicyException=(unset: off by default): every exception is ignored',
      'Kyverno reads exceptions from kyverno, Waiver writes them to policy-exceptions',
      'Waiver may not: delete policyexceptions.kyverno.io in policy-exceptions; delete policyexceptions.policies.kyverno.io in policy-exceptions',
    ]);
    expect(findings.find((f) => f.message.startsWith('Kyverno reads'))?.fix).toContain(
      'features.policyExceptions.namespace: policy-exceptions',
    );
    expect(status(findings, 'cleanup')).toEqual(['warn']);
    // Without the guard, anyone who may write PolicyExceptions can skip the review: said, with the fix.
    expect(status(findings, 'guard')).toEqual(['warn']);
  });

  it('reports a missing CRD, namespace and policy, and an unreachable cluster in one line', async () => {
    const findings = await doctor((w) => {
      for (const [plural, ns, name] of [
        ['customresourcedefinitions', undefined, 'policyexceptions.kyverno.io'],
        ['namespaces', undefined, 'policy-exceptions'],
        ['clusterpolicies', undefined, 'require-image-signature'],
      ] as const)
        w.api.erase(plural, ns, name);
    });
    expect(status(findings, 'crd')).toEqual(['fail']);
    expect(status(findings, 'namespace')).toEqual(['fail']);
    expect(findings.find((f) => f.check === 'policies')?.message).toBe(
      'no ClusterPolicy require-image-signature, which exceptions are requested for',
    );
    const w = worlds[0]!;
    await w.api.stop();
    const down = await w.deps.targets.get(KUBE_TARGET)!.cluster!.doctor.diagnose([]);
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({
      check: 'cluster',
      status: 'fail',
      message: expect.stringMatching(/^cannot reach the cluster/),
    });
  });

  it('finds a namespaced Policy by namespace/name, as a PolicyException names it', async () => {
    const w = await kubeWorld(tempDir());
    worlds.push(w);
    w.api.seed('kyverno.io/v1', 'Policy', {
      metadata: { name: 'team-images', namespace: 'payments' },
      // A Pod rule: Kyverno makes its autogen rules for the controllers.
      spec: { rules: [{ name: 'check-signature', match: { any: [{ resources: { kinds: ['Pod'] } }] } }] },
    });
    // A rule that matches by names gets no autogen rules (Kyverno's pkg/autogen): none are claimed.
    w.api.seed('kyverno.io/v1', 'Policy', {
      metadata: { name: 'named-pods', namespace: 'payments' },
      spec: {
        rules: [{ name: 'pin', match: { any: [{ resources: { kinds: ['Pod'], names: ['api-*'] } }] } }],
      },
    });
    const findings = await w.deps.targets
      .get(KUBE_TARGET)!
      .cluster!.doctor.diagnose(['payments/team-images', 'payments/named-pods', 'payments/nothing']);
    expect(findings.filter((f) => f.check === 'policies').map((f) => [f.status, f.message])).toEqual([
      [
        'ok',
        'Policy payments/team-images: rules check-signature, autogen-check-signature, autogen-cronjob-check-signature (autogen on)',
      ],
      ['ok', 'Policy payments/named-pods: rules pin (autogen off)'],
      ['fail', 'no Policy payments/nothing, which exceptions are requested for'],
    ]);
  });

  it('deploy/rbac.yaml grants every permission doctor checks, and no wildcard', () => {
    const grants = (verb: string, resource: string, group: string, namespace: string | undefined) =>
      rbac.some(
        (d) =>
          (d.kind === 'ClusterRole' || (d.kind === 'Role' && d.metadata.namespace === namespace)) &&
          !d.metadata.labels &&
          (d.rules ?? []).some(
            (r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
          ),
      );
    for (const [verb, resource, group, namespace] of requiredPermissions(defaultSettings))
      expect(
        grants(verb, resource, group, namespace),
        `${verb} ${resource} in ${namespace ?? 'cluster'}`,
      ).toBe(true);
    const everything = JSON.stringify(rbac.flatMap((d) => d.rules ?? []));
    expect(everything).not.toContain('"*"');
  });
});
