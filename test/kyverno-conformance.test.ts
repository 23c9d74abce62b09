import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  coverage,
  coverageInputs,
  policyRules,
  resourceUnderTest,
  rulesNamedBy,
  type Doc,
} from '../src/domain/coverage.js';
import { ruleWithoutException } from '../src/domain/evaluate/would-fail.js';
import type { PolicyDocument } from '../src/domain/evaluate/rule-verdict.js';
import {
  exceptionCovers,
  type Coverage,
  type ExceptionSpec,
  type MatchContext,
} from '../src/domain/exception-match.js';

/**
 * Kyverno's own test cases (test/fixtures/kyverno/INDEX.md gives each expected outcome) whose outcome
 * turns on what an exception covers: skip ↔ covered; pass, fail, admitted-by-nothing or denied ↔ not.
 */
const fixtures = new URL('fixtures/kyverno/', import.meta.url);

function docsOf(files: readonly string[], defaultNamespace: string): Doc[] {
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(file, fixtures), 'utf8'))
      .map((d) => d.toJS() as Doc | null)
      .filter((d): d is Doc => d !== null)
      .map((d) => {
        // kyverno test/apply puts an object without a namespace in default; chainsaw in its own namespace.
        const namespaced = !['Namespace', 'ClusterPolicy', 'PolicyException'].includes(String(d['kind']));
        if (!namespaced || d.metadata?.['namespace']) return d;
        return { ...d, metadata: { ...d.metadata, namespace: defaultNamespace } };
      }),
  );
}

interface Case {
  id: string;
  exception: string;
  resources: string[];
  policy: string;
  rule: string;
  /** resource name → Kyverno's outcome as coverage */
  expected: Record<string, Coverage>;
  namespace?: string;
  context?: MatchContext;
}

const NOW = Date.parse('2026-11-30T00:00:00Z');

const cases: Case[] = [
  {
    id: '#1 wildcard names, autogen rule listed',
    exception: 'cli-test-exceptions-1-autogen-wildcard-names/exception.yaml',
    resources: ['cli-test-exceptions-1-autogen-wildcard-names/resources.yaml'],
    policy: 'disallow-host-namespaces',
    rule: 'autogen-host-namespaces',
    expected: { 'important-tool': true, 'bad-deployment': false, 'good-deployment': false },
  },
  {
    id: '#2 a condition on a label, with no name or namespace filter',
    exception: 'cli-test-exceptions-2-conditions/exception.yaml',
    resources: ['cli-test-exceptions-2-conditions/resources.yaml'],
    policy: 'max-containers',
    rule: 'autogen-max-two-containers',
    expected: { 'bad-deployment': false, 'good-deployment': false, 'excluded-deployment': true },
  },
  {
    id: '#5 a name plus a label condition (exception among the policies)',
    exception: 'cli-apply-exception-within-policy/pol/exception.yaml',
    resources: [
      'cli-apply-exception-within-policy/res/res1.yaml',
      'cli-apply-exception-within-policy/res/res2.yaml',
      'cli-apply-exception-within-policy/res/res3.yaml',
    ],
    policy: 'disallow-latest-tag',
    rule: 'validate-image-tag',
    expected: { 'test-res-1': true, 'test-res-2': false, 'test-res-3': false },
    namespace: 'default',
  },
  {
    id: '#6 the same, the exception among the resources',
    exception: 'cli-apply-exception-within-resource/res/exception.yaml',
    resources: [
      'cli-apply-exception-within-resource/res/res1.yaml',
      'cli-apply-exception-within-resource/res/res2.yaml',
      'cli-apply-exception-within-resource/res/res3.yaml',
    ],
    policy: 'disallow-latest-tag',
    rule: 'validate-image-tag',
    expected: { 'test-res-1': true, 'test-res-2': false, 'test-res-3': false },
    namespace: 'default',
  },
  {
    id: '#8 an exact name',
    exception: 'chainsaw-allows-rejects-creation/exception.yaml',
    resources: [
      'chainsaw-allows-rejects-creation/configmap-allowed.yaml',
      'chainsaw-allows-rejects-creation/configmap-rejected.yaml',
    ],
    policy: 'require-labels',
    rule: 'require-team',
    expected: { emergency: true, foo: false },
  },
  {
    id: '#9 a wildcard rule name',
    exception: 'chainsaw-with-wildcard-rulenames/exception.yaml',
    resources: [
      'chainsaw-with-wildcard-rulenames/configmap-allowed.yaml',
      'chainsaw-with-wildcard-rulenames/configmap-rejected.yaml',
    ],
    policy: 'require-labels',
    rule: 'require-team',
    expected: { emergency: true, foo: false },
  },
  {
    id: '#10 conditions at admission, autogen rule names listed',
    exception: 'chainsaw-conditions/exception.yaml',
    resources: ['chainsaw-conditions/good-deployment.yaml', 'chainsaw-conditions/bad-deployment.yaml'],
    policy: 'max-containers',
    rule: 'autogen-max-two-containers',
    expected: { 'good-deployment': true, 'bad-deployment': false },
  },
  {
    id: '#14 subjects: the test user is not chip',
    exception: 'chainsaw-only-for-specific-user/exception.yaml',
    resources: ['chainsaw-only-for-specific-user/configmap.yaml'],
    policy: 'require-labels',
    rule: 'require-team',
    expected: { emergency: false },
    context: {
      user: { username: 'kubernetes-admin', groups: ['system:masters'], roles: [], clusterRoles: [] },
    },
  },
  {
    id: '#14 subjects without the requesting user: unknown, never a guess',
    exception: 'chainsaw-only-for-specific-user/exception.yaml',
    resources: ['chainsaw-only-for-specific-user/configmap.yaml'],
    policy: 'require-labels',
    rule: 'require-team',
    expected: { emergency: 'unknown' },
  },
  {
    id: '#15 ruleNames ["*"] covers the Deployment on every operation',
    exception: 'chainsaw-applies-to-delete/exception.yaml',
    resources: ['chainsaw-applies-to-delete/deployment.yaml'],
    policy: 'psa',
    rule: 'autogen-restricted',
    expected: { 'test-dpl1': true },
  },
  {
    id: '#16 namespaces alone, no kinds',
    exception: 'chainsaw-events-creation/chainsaw-step-02-apply-2.yaml',
    resources: ['chainsaw-events-creation/chainsaw-step-03-apply-2.yaml'],
    policy: 'disallow-latest-tag-events-creation',
    rule: 'validate-image-tag',
    expected: { 'policy-exception-events-creation-pod': true },
  },
  {
    id: "#20 namespaces [default] does not cover the pod in chainsaw's own namespace",
    exception: 'chainsaw-policy-exceptions-disabled/policy_exception.yaml',
    resources: ['chainsaw-policy-exceptions-disabled/resource.yaml'],
    policy: 'require-app-label',
    rule: 'require-app-label',
    expected: { 'my-pod': false },
  },
  {
    id: '#21 background scan: the exception lives away from the resource',
    exception: 'chainsaw-reports-background-exception/exception.yaml',
    resources: ['chainsaw-reports-background-exception/configmap.yaml'],
    policy: 'require-labels',
    rule: 'require-team',
    expected: { emergency: true },
  },
  {
    id: '#22 background scan with a condition on request.object',
    exception: 'chainsaw-reports-background-exception-with-conditions/exception.yaml',
    resources: [
      'chainsaw-reports-background-exception-with-conditions/deployment.yaml',
      'chainsaw-reports-background-exception-with-conditions/ns.yaml',
    ],
    policy: 'check-deployment-replicas',
    rule: 'check-deployment-replicas',
    expected: { 'new-deployment': true, 'dev-ns': false },
  },
  {
    id: '#24 a namespaceSelector with the namespace labels (operations ignored)',
    exception: 'chainsaw-cli-apply-exception-ns-selector/exception.yaml',
    resources: ['chainsaw-cli-apply-exception-ns-selector/pod.yaml'],
    policy: 'require-run-as-non-root-user',
    rule: 'run-as-non-root-user',
    expected: { 'test-pod': true },
    context: {
      namespaceLabels: { 'kubernetes.io/metadata.name': 'ns-1', 'kyverno.tess.io/mutateresource': 'false' },
    },
  },
];

describe("Kyverno's fixtures: what covers says is what Kyverno did", () => {
  it.each(cases)('$id', (c) => {
    const namespace = c.namespace ?? 'chainsaw-ns';
    const [exception] = coverageInputs(docsOf([c.exception], namespace)).exceptions;
    expect(exception).toBeDefined();
    const answers = Object.fromEntries(
      docsOf(c.resources, namespace).map((doc) => {
        const resource = resourceUnderTest(doc);
        const verdict = exceptionCovers(exception!.spec as ExceptionSpec, c.policy, c.rule, resource, {
          nowMs: NOW,
          ...c.context,
        });
        return [resource.name, verdict.covered];
      }),
    );
    expect(answers).toEqual(c.expected);
  });
});

interface PodSecurityCase {
  id: string;
  folder: string;
  policy: string;
  exceptions: string[];
  resources: string[];
  namespace: string;
  /** resource name → [covered, the exceptions named] as Kyverno decided (skip ↔ covered) */
  expected: Record<string, [Coverage, string[]]>;
}

const podSecurityCases: PodSecurityCase[] = [
  {
    id: '#3 HostPath Volumes limited to restrictedField + values: skip in staging-ns, fail elsewhere, pass',
    folder: 'cli-test-exceptions-3-podsecurity-restrictedfield',
    policy: 'policy.yaml',
    exceptions: ['exception.yaml'],
    resources: ['resources.yaml'],
    namespace: 'default',
    expected: {
      'good-pod': [false, []],
      'excluded-pod': [true, ['policy-exception-ns/pod-security-exception']],
      'bad-pod': [false, []],
    },
  },
  {
    id: '#17 two exceptions for one rule: the one without podSecurity skips the rule outright',
    folder: 'chainsaw-multiple-exceptions-podsecurity',
    policy: 'policy.yaml',
    exceptions: ['exceptions.yaml'],
    resources: ['pod.yaml'],
    namespace: 'chainsaw-ns',
    expected: { 'test-pod': [true, ['exception-baseline']] },
  },
  {
    id: '#18 Running as Non-root for istio init containers: the app container still fails, or nothing does',
    folder: 'chainsaw-psa-run-as-non-root',
    policy: 'policy.yaml',
    exceptions: ['exception.yaml'],
    resources: ['bad-pod-01.yaml', 'bad-pod-02.yaml', 'good-pod.yaml'],
    namespace: 'default',
    expected: {},
  },
  {
    id: '#23 Capabilities for the nginx and redis images: skip',
    folder: 'chainsaw-reports-background-exception-with-podsecurity',
    policy: 'policy.yaml',
    exceptions: ['exception.yaml'],
    resources: ['pod.yaml'],
    namespace: 'default',
    expected: { nginx: [true, ['pod-security-exception']] },
  },
];

function podSecurityItems(c: PodSecurityCase, resourceFile: string) {
  const at = (f: string) => `${c.folder}/${f}`;
  const { exceptions } = coverageInputs(docsOf(c.exceptions.map(at), c.namespace));
  const { policies } = coverageInputs(docsOf([at(c.policy)], c.namespace));
  const resources = docsOf([at(resourceFile)], c.namespace).map(resourceUnderTest);
  return coverage(exceptions, resources, policies.flatMap(policyRules), { nowMs: NOW }).filter(
    (i) => i.resource.kind === 'Pod',
  );
}

describe("Kyverno's podSecurity cases, through covers with the policy: Kyverno's own outcome", () => {
  it.each(podSecurityCases.filter((c) => Object.keys(c.expected).length))('$id', (c) => {
    const items = c.resources.flatMap((file) => podSecurityItems(c, file));
    expect(Object.fromEntries(items.map((i) => [i.resource.name, [i.covered, i.exceptions]]))).toEqual(
      c.expected,
    );
  });

  it('#18 bad-pod-01 and bad-pod-02 are denied naming spec.containers[0]...runAsNonRoot; good-pod is admitted', () => {
    const c = podSecurityCases.find((x) => x.id.startsWith('#18')) as PodSecurityCase;
    const [bad1] = podSecurityItems(c, 'bad-pod-01.yaml');
    const [bad2] = podSecurityItems(c, 'bad-pod-02.yaml');
    const [good] = podSecurityItems(c, 'good-pod.yaml');
    for (const bad of [bad1, bad2]) {
      expect(bad).toMatchObject({ covered: false, exceptions: [] });
      expect(bad?.why).toContain('Running as Non-root (spec.containers[*].securityContext.runAsNonRoot');
      expect(bad?.why).toContain('in container test-pod');
    }
    expect(good).toMatchObject({ covered: true, exceptions: ['pod-security-exception'] });
  });

  it('#3 says why: the pod passes without exception, or what is left failing', () => {
    const c = podSecurityCases[0] as PodSecurityCase;
    const why = Object.fromEntries(
      podSecurityItems(c, 'resources.yaml').map((i) => [i.resource.name, i.why]),
    );
    expect(why['good-pod']).toBe('it passes Pod Security baseline:latest without any exception');
    expect(why['excluded-pod']).toContain('HostPath Volumes (spec.volumes[*].hostPath = /var/lib1)');
    expect(why['bad-pod']).toMatch(/^no exception names rule baseline of psa for namespace default/);
  });

  it('validate_pss_test.go Test_PSS_PolicyExceptions_Skip: two podSecurity exceptions together skip', () => {
    const c = podSecurityCases.find((x) => x.id.startsWith('#17')) as PodSecurityCase;
    const { exceptions } = coverageInputs(docsOf([`${c.folder}/exceptions.yaml`], c.namespace));
    const whole = exceptions.find((e) => e.name === 'exception-baseline');
    const init2 = exceptions.find((e) => e.name === 'init-exception-baseline');
    // Kyverno's Go test: the same pod, alpine/busybox images, one exception per init container.
    const init1 = {
      ...init2!,
      name: 'init1-exception-baseline',
      spec: {
        ...init2!.spec,
        podSecurity: [
          {
            controlName: 'Capabilities',
            images: ['public.ecr.aws/docker/library/alpine:latest'],
            restrictedField: 'spec.initContainers[*].securityContext.capabilities.add',
            values: ['NET_ADMIN', 'NET_RAW'],
          },
        ],
      },
    };
    const pod = docsOf([`${c.folder}/pod.yaml`], c.namespace).map(resourceUnderTest);
    const rules = coverageInputs(docsOf([`${c.folder}/policy.yaml`], c.namespace)).policies.flatMap(
      policyRules,
    );
    const covered = (list: typeof exceptions) =>
      coverage(list, pod, rules, { nowMs: NOW }).map((i) => [i.covered, i.exceptions]);
    expect(whole).toBeDefined();
    expect(covered([init1, init2!])).toEqual([
      [true, ['init1-exception-baseline', 'init-exception-baseline']],
    ]);
    // Either alone leaves the other init container failing Capabilities.
    expect(covered([init1])).toEqual([[false, []]]);
    expect(covered([init2!])).toEqual([[false, []]]);
  });
});

describe("Kyverno's CEL PolicyException case: policyRefs and matchConditions, evaluated with CEL", () => {
  it('#26 covers skipped-pod only, through the ImageValidatingPolicy it refers to', () => {
    const folder = 'cli-ivpol-cel-exception-contrast';
    const { exceptions } = coverageInputs(docsOf([`${folder}/exception.yaml`], 'default'));
    const resources = docsOf([`${folder}/resources.yaml`], 'default').map(resourceUnderTest);
    const items = coverage(exceptions, resources, rulesNamedBy(exceptions), { nowMs: NOW });
    expect(Object.fromEntries(items.map((i) => [i.resource.name, i.covered]))).toEqual({
      'test-pod-good': false,
      'test-pod-bad': false,
      'skipped-pod': true,
    });
    expect(items.every((i) => i.policy === 'ImageValidatingPolicy/ivpol-sample')).toBe(true);
  });
});

/** Each apply of a pod in a chainsaw test, and whether the test expects the API server to refuse it. */
function chainsawApplies(folder: string): { file: string; denied: boolean }[] {
  const test = parseAllDocuments(
    readFileSync(new URL(`${folder}/chainsaw-test.yaml`, fixtures), 'utf8'),
  )[0]?.toJS() as {
    spec: {
      steps: { try?: { apply?: { file: string; expect?: { check?: Record<string, unknown> }[] } }[] }[];
    };
  };
  return test.spec.steps
    .flatMap((s) => s.try ?? [])
    .flatMap((t) => (t.apply && /pod[^/]*\.yaml$/.test(t.apply.file) ? [t.apply] : []))
    .map((a) => ({
      file: a.file,
      denied: (a.expect ?? []).some((e) => e.check?.['($error != null)'] === true),
    }));
}

const chainsawPodSecurity = [
  'chainsaw-pss-exclude-capabilities',
  'chainsaw-pss-exclude-host-ports',
  'chainsaw-pss-exclude-host-process-and-host-namespaces',
  'chainsaw-pss-exclude-hostpath-volume',
  'chainsaw-pss-exclude-privilege-escalation',
  'chainsaw-pss-exclude-privileged-containers',
  'chainsaw-pss-exclude-restricted-capabilities',
  'chainsaw-pss-exclude-restricted-seccomp',
  'chainsaw-pss-exclude-running-as-nonroot-user',
  'chainsaw-pss-exclude-running-as-nonroot',
  'chainsaw-pss-exclude-seccomp',
  'chainsaw-pss-exclude-selinux',
  'chainsaw-pss-exclude-sysctls',
  'chainsaw-pss-exclude-volume-types',
  'chainsaw-pss-multiple-exceptions-with-pod-security',
];

describe("Kyverno's chainsaw podSecurity exception tests: admitted ↔ pass or covered, denied ↔ still failing", () => {
  it.each(chainsawPodSecurity)('%s', (folder) => {
    const applies = chainsawApplies(folder);
    expect(applies.length).toBeGreaterThan(0);
    const exceptionFile =
      applies.length && folder.includes('multiple') ? 'exceptions.yaml' : 'exception.yaml';
    const { exceptions } = coverageInputs(docsOf([`${folder}/${exceptionFile}`], 'chainsaw-ns'));
    const rules = coverageInputs(docsOf([`${folder}/policy.yaml`], 'chainsaw-ns')).policies.flatMap(
      policyRules,
    );
    const outcome = applies.map(({ file }) => {
      const pods = docsOf([`${folder}/${file}`], 'chainsaw-ns').map(resourceUnderTest);
      const [item] = coverage(exceptions, pods, rules, { nowMs: NOW });
      const admitted = item?.covered === true || Boolean(item?.why.startsWith('it passes'));
      return { file, denied: !admitted };
    });
    expect(outcome).toEqual(applies);
  });

  it('a pod Kyverno denies, or lets through only by an exception, would fail without it', () => {
    let checked = 0;
    for (const folder of chainsawPodSecurity) {
      const exceptionFile = folder.includes('multiple') ? 'exceptions.yaml' : 'exception.yaml';
      const { exceptions } = coverageInputs(docsOf([`${folder}/${exceptionFile}`], 'chainsaw-ns'));
      const [policy] = coverageInputs(docsOf([`${folder}/policy.yaml`], 'chainsaw-ns')).policies;
      const rules = policyRules(policy!);
      for (const { file, denied } of chainsawApplies(folder)) {
        const pods = docsOf([`${folder}/${file}`], 'chainsaw-ns').map(resourceUnderTest);
        const [item] = coverage(exceptions, pods, rules, { nowMs: NOW });
        const verdict = ruleWithoutException({
          policy: policy as PolicyDocument,
          rule: item!.rule,
          resource: pods[0]!,
        });
        if (denied || item?.covered === true) {
          expect(verdict.verdict, `${folder}/${file}`).toBe('would-fail');
          checked++;
        } else expect(verdict.verdict, `${folder}/${file}`).toBe('would-pass');
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('reports/background multiple-exceptions-with-pod-security: skip with both, fail once init1 is deleted', () => {
    const folder = 'chainsaw-pss-reports-multiple-exceptions-with-pod-security';
    const { exceptions } = coverageInputs(docsOf([`${folder}/exceptions.yaml`], 'chainsaw-ns'));
    const rules = coverageInputs(docsOf([`${folder}/policy.yaml`], 'chainsaw-ns')).policies.flatMap(
      policyRules,
    );
    const pods = docsOf([`${folder}/pod.yaml`], 'chainsaw-ns').map(resourceUnderTest);
    const [both] = coverage(exceptions, pods, rules, { nowMs: NOW });
    expect(both).toMatchObject({
      covered: true,
      exceptions: ['init1-exception-baseline', 'init2-exception-baseline'],
    });
    const without = exceptions.filter((e) => e.name !== 'init1-exception-baseline');
    const [left] = coverage(without, pods, rules, { nowMs: NOW });
    expect(left?.covered).toBe(false);
    expect(left?.why).toContain(
      'Capabilities (spec.initContainers[*].securityContext.capabilities.add = NET_ADMIN, NET_RAW',
    );
  });
});

const chainsawRuleExclusions = readdirSync(fixtures)
  .filter((d) => /^chainsaw-psa-(test-exclusion-|seccomp-latest)/.test(d))
  .sort();

describe("Kyverno's chainsaw Pod Security rules with their own exclude: would-fail ↔ denied, with no exception", () => {
  it('holds every psa test-exclusion case', () => expect(chainsawRuleExclusions.length).toBe(16));

  it.each(chainsawRuleExclusions)('%s', (folder) => {
    const [policy] = coverageInputs(docsOf([`${folder}/policy.yaml`], 'chainsaw-ns')).policies;
    const rule = policyRules(policy!)[0]!.rule;
    const applies = chainsawApplies(folder);
    const outcome = applies.map(({ file }) => {
      const [pod] = docsOf([`${folder}/${file}`], 'chainsaw-ns').map(resourceUnderTest);
      const verdict = ruleWithoutException({ policy: policy as PolicyDocument, rule, resource: pod! });
      return { file, denied: verdict.verdict === 'would-fail' };
    });
    expect(outcome).toEqual(applies);
    expect(applies.some((a) => a.denied) && applies.some((a) => !a.denied)).toBe(true);
  });
});
