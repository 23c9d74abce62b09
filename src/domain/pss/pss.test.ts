import { describe, expect, it } from 'vitest';
import { ruleWithoutException } from '../evaluate/would-fail.js';
import { podSecurityCoverage } from './covers.js';
import { checkPod, podSecurityResult, type PssFailure } from './index.js';

type Json = Record<string, unknown>;

const pod = (spec: Json, metadata: Json = {}): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'prod', ...metadata },
  spec,
});

/** A pod that passes restricted at every version. */
const restrictedContainer = (name: string, image: string, extra: Json = {}): Json => ({
  name,
  image,
  securityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
    ...extra,
  },
});

const failures = (result: ReturnType<typeof checkPod>): PssFailure[] =>
  result.status === 'fail' ? result.failures : [];

describe('checkPod', () => {
  it('reports each failing control with its field, values, container and image', () => {
    const result = checkPod(
      pod({
        initContainers: [
          restrictedContainer('init', 'busybox:1', { capabilities: { add: ['SYS_TIME'], drop: ['ALL'] } }),
        ],
        containers: [{ name: 'app', image: 'nginx:1', ports: [{ containerPort: 80, hostPort: 8080 }] }],
        hostNetwork: true,
      }),
      'baseline',
      'latest',
    );
    expect(
      failures(result).map((f) => [
        f.control,
        f.fields.map((x) => [x.restrictedField, x.values, x.container]),
      ]),
    ).toEqual([
      [
        'Capabilities',
        [
          [
            'spec.initContainers[*].securityContext.capabilities.add',
            ['SYS_TIME'],
            { name: 'init', image: 'busybox:1' },
          ],
        ],
      ],
      ['Host Namespaces', [['spec.hostNetwork', ['true'], undefined]]],
      ['Host Ports', [['spec.containers[*].ports[*].hostPort', ['8080'], { name: 'app', image: 'nginx:1' }]]],
    ]);
  });

  it("gives each field's bad values as Kyverno's fork does, which is what an exemption's values must match", () => {
    const result = checkPod(
      pod(
        {
          securityContext: { runAsUser: 0, seccompProfile: { type: 'Unconfined' } },
          containers: [
            { name: 'none', image: 'a' },
            {
              name: 'unset',
              image: 'b',
              securityContext: {
                capabilities: { drop: ['NET_RAW', 'CHOWN', 'NET_RAW'] },
                runAsNonRoot: false,
              },
            },
          ],
        },
        { annotations: { 'container.apparmor.security.beta.kubernetes.io/unset': 'unconfined' } },
      ),
      'restricted',
      'latest',
      'kyverno',
    );
    const fields = Object.fromEntries(
      failures(result).flatMap((f) => f.fields.map((x) => [`${f.check} ${x.path}`, x.values])),
    );
    expect(fields).toEqual({
      // Required (no securityContext): no value; securityContext without the field: "nil".
      'allowPrivilegeEscalation spec.containers[0].securityContext.allowPrivilegeEscalation': [],
      'allowPrivilegeEscalation spec.containers[1].securityContext.allowPrivilegeEscalation': ['nil'],
      'appArmorProfile metadata.annotations[container.apparmor.security.beta.kubernetes.io/unset]': [
        'unconfined',
      ],
      'capabilities_restricted spec.containers[0].securityContext.capabilities.drop': [],
      'capabilities_restricted spec.containers[1].securityContext.capabilities.drop': ['CHOWN', 'NET_RAW'],
      'runAsNonRoot spec.containers[0].securityContext.runAsNonRoot': [],
      'runAsNonRoot spec.containers[1].securityContext.runAsNonRoot': ['false'],
      'runAsUser spec.securityContext.runAsUser': ['0'],
      'seccompProfile_baseline spec.securityContext.seccompProfile.type': ['Unconfined'],
      // With an explicit bad setter the restricted seccomp check reports it alone, not the unset containers.
      'seccompProfile_restricted spec.securityContext.seccompProfile.type': ['Unconfined'],
    });
  });

  it('passes a restricted pod, and follows the versions: a check applies from its version on', () => {
    const good = pod({ containers: [restrictedContainer('app', 'nginx')] });
    expect(checkPod(good, 'restricted', 'latest').status).toBe('pass');
    const noEscalationSet = pod({
      securityContext: { runAsNonRoot: true },
      containers: [{ name: 'app', image: 'nginx' }],
    });
    // allowPrivilegeEscalation is checked from v1.8; seccomp (restricted) from v1.19.
    expect(checkPod(noEscalationSet, 'restricted', 'v1.7').status).toBe('pass');
    expect(failures(checkPod(noEscalationSet, 'restricted', 'v1.8')).map((f) => f.check)).toEqual([
      'allowPrivilegeEscalation',
    ]);
    expect(failures(checkPod(noEscalationSet, 'restricted', 'v1.22')).map((f) => f.check)).toEqual([
      'allowPrivilegeEscalation',
      'capabilities_restricted',
      'seccompProfile_restricted',
    ]);
  });

  it('judges a user-namespaced pod as Kubernetes v1.35+ does, and as Kyverno (no relaxation) does', () => {
    const userNs = pod({
      hostUsers: false,
      containers: [restrictedContainer('app', 'nginx', { runAsNonRoot: false, runAsUser: 0 })],
    });
    expect(checkPod(userNs, 'restricted', 'v1.35').status).toBe('pass');
    expect(failures(checkPod(userNs, 'restricted', 'v1.34')).map((f) => f.check)).toEqual([
      'runAsNonRoot',
      'runAsUser',
    ]);
    expect(failures(checkPod(userNs, 'restricted', 'latest', 'kyverno')).map((f) => f.control)).toEqual([
      'Running as Non-root',
      'Running as Non-root user',
    ]);
  });

  it('checks the pod template of a controller and of a CronJob', () => {
    const template = {
      metadata: {},
      spec: { containers: [{ name: 'app', image: 'x', securityContext: { privileged: true } }] },
    };
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', spec: { template } };
    const cronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      spec: { jobTemplate: { spec: { template } } },
    };
    for (const resource of [deployment, cronJob])
      expect(failures(checkPod(resource, 'baseline', 'v1.29')).map((f) => f.control)).toEqual([
        'Privileged Containers',
      ]);
  });

  it('gives a clear error, never a throw, for what is not a pod or not a level or version', () => {
    expect(checkPod({ kind: 'ConfigMap', data: {} }, 'baseline', 'latest')).toEqual({
      status: 'error',
      error: 'a ConfigMap has no pod: Pod Security applies to Pods, their controllers and CronJobs',
    });
    expect(checkPod({ kind: 'Deployment', spec: {} }, 'baseline', 'latest')).toEqual({
      status: 'error',
      error: 'the Deployment has no spec.template.spec',
    });
    expect(checkPod('nonsense', 'baseline', 'latest').status).toBe('error');
    expect(checkPod(null, 'baseline', 'latest').status).toBe('error');
    expect(checkPod(pod({ containers: [] }), 'strict', 'latest')).toEqual({
      status: 'error',
      error: 'level "strict" is not one of privileged, baseline, restricted',
    });
    expect(checkPod(pod({ containers: [] }), 'baseline', 'v2.1')).toEqual({
      status: 'error',
      error: 'version "v2.1" is not "latest" or "v1.N"',
    });
    // Fields of the wrong type are read as absent, as Go's decoder would refuse or ignore them.
    expect(
      checkPod(pod({ containers: 'x', volumes: [null, 3], securityContext: [] }), 'restricted', 'latest')
        .status,
    ).toBe('pass');
  });
});

describe('podSecurityResult: Kyverno exemptions', () => {
  const rule = { level: 'baseline', version: 'v1.29' };
  const twoInits = pod({
    containers: [{ name: 'app', image: 'alpine:latest' }],
    initContainers: [
      {
        name: 'init1',
        image: 'alpine:latest',
        securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
      },
      { name: 'init2', image: 'busybox:latest', securityContext: { capabilities: { add: ['SYS_TIME'] } } },
    ],
  });
  const caps = (images: string[], values: string[]) => ({
    controlName: 'Capabilities',
    images,
    restrictedField: 'spec.initContainers[*].securityContext.capabilities.add',
    values,
  });

  it('pass when the pod passes: the exemptions play no part', () => {
    expect(
      podSecurityResult(pod({ containers: [{ name: 'a', image: 'x' }] }), rule, [caps(['*'], ['*'])]),
    ).toEqual({
      status: 'pass',
    });
  });

  it('skip only when the entries of all exceptions together leave nothing failing', () => {
    const both = [caps(['alpine:*'], ['NET_ADMIN', 'NET_RAW']), caps(['busybox:*'], ['SYS_TIME'])];
    expect(podSecurityResult(twoInits, rule, both).status).toBe('skip');
    const one = podSecurityResult(twoInits, rule, [both[0]!]);
    expect(one.status).toBe('fail');
    expect(one.status === 'fail' && one.failures[0]?.fields.map((f) => f.container?.name)).toEqual(['init2']);
  });

  it('images limit an entry to the containers whose image matches', () => {
    expect(podSecurityResult(twoInits, rule, [caps(['nginx*'], ['*'])]).status).toBe('fail');
    expect(podSecurityResult(twoInits, rule, [{ controlName: 'Capabilities', images: ['*'] }]).status).toBe(
      'skip',
    );
  });

  it('values must match every bad value of the field; restrictedField must name the failing field', () => {
    expect(podSecurityResult(twoInits, rule, [caps(['*'], ['NET_ADMIN', 'SYS_TIME'])]).status).toBe('fail');
    expect(podSecurityResult(twoInits, rule, [caps(['*'], ['NET_*', 'SYS_TIME'])]).status).toBe('skip');
    const wrongField = {
      ...caps(['*'], ['*']),
      restrictedField: 'spec.containers[*].securityContext.capabilities.add',
    };
    expect(podSecurityResult(twoInits, rule, [wrongField]).status).toBe('fail');
  });

  it("a bare controlName exempts a pod-level control; the rule's own exclude is applied first", () => {
    const hostPath = pod({
      containers: [{ name: 'a', image: 'x' }],
      volumes: [{ name: 'h', hostPath: { path: '/var/lib1' } }],
    });
    expect(podSecurityResult(hostPath, rule, [{ controlName: 'HostPath Volumes' }]).status).toBe('skip');
    expect(
      podSecurityResult(hostPath, { ...rule, exclude: [{ controlName: 'HostPath Volumes' }] }, []).status,
    ).toBe('pass');
    const limited = {
      controlName: 'HostPath Volumes',
      restrictedField: 'spec.volumes[*].hostPath',
      values: ['/tmp'],
    };
    expect(podSecurityResult(hostPath, rule, [limited]).status).toBe('fail');
  });

  it('a bare container-level control is judged on one fake container: it removes one failure, not all', () => {
    // Kyverno's pod-level pass replaces the containers by a single empty one, so two failing
    // containers keep one failure (its webhook refuses such entries in exceptions for this reason).
    const restricted = { level: 'restricted', version: 'latest' };
    const two = pod({
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        restrictedContainer('a', 'x', { runAsNonRoot: undefined }),
        restrictedContainer('b', 'y', { runAsNonRoot: undefined }),
      ],
    });
    const result = podSecurityResult(two, restricted, [{ controlName: 'Running as Non-root' }]);
    expect(result.status).toBe('fail');
    expect(result.status === 'fail' && result.failures.map((f) => f.fields.length)).toEqual([1]);
  });

  it('bad rules and non-pods are errors', () => {
    expect(podSecurityResult(twoInits, { level: 'baseline', version: 'v1' }, [])).toEqual({
      status: 'error',
      error: 'podSecurity version "v1" is not "latest" or "v1.N"',
    });
    expect(podSecurityResult({ kind: 'Service', spec: {} }, rule, []).status).toBe('error');
  });
});

describe('podSecurityCoverage', () => {
  const hostPath = pod({
    containers: [{ name: 'a', image: 'x' }],
    volumes: [{ name: 'h', hostPath: { path: '/data' } }],
  });
  const rule = { level: 'baseline', version: 'latest' };
  const entry = (name: string, podSecurity?: unknown[], covered: true | 'unknown' = true) => ({
    name,
    covered,
    why: 'it matches',
    ...(podSecurity ? { podSecurity } : {}),
  });

  it('an exception without podSecurity skips the rule outright', () => {
    expect(
      podSecurityCoverage(hostPath, rule, [entry('a', [{ controlName: 'Sysctls' }]), entry('whole')]),
    ).toMatchObject({
      result: 'skip',
      covered: true,
      exceptions: ['whole'],
    });
  });

  it('fail names what is left; an exception that may apply makes it unknown only if it would cover', () => {
    const left = podSecurityCoverage(hostPath, rule, [entry('a', [{ controlName: 'Sysctls' }])]);
    expect(left).toMatchObject({ result: 'fail', covered: false, exceptions: [] });
    expect(left.why).toBe(
      'it still fails Pod Security baseline:latest: HostPath Volumes (spec.volumes[*].hostPath = /data)',
    );
    const maybe = [
      entry('a', [{ controlName: 'Sysctls' }]),
      entry('b', [{ controlName: 'HostPath Volumes' }], 'unknown'),
    ];
    expect(podSecurityCoverage(hostPath, rule, maybe)).toMatchObject({
      covered: 'unknown',
      exceptions: ['a', 'b'],
    });
    const useless = [
      entry('a', [{ controlName: 'Sysctls' }]),
      entry('b', [{ controlName: 'Sysctls' }], 'unknown'),
    ];
    expect(podSecurityCoverage(hostPath, rule, useless)).toMatchObject({ covered: false });
  });

  it('without the object the entries cannot be weighed', () => {
    expect(podSecurityCoverage(undefined, rule, [entry('a', [{ controlName: 'Sysctls' }])])).toMatchObject({
      covered: 'unknown',
    });
  });
});

describe('ruleWithoutException: Pod Security rules', () => {
  const policy = {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: 'psa' },
    spec: {
      rules: [
        {
          name: 'restricted',
          match: { any: [{ resources: { kinds: ['Pod'] } }] },
          validate: { podSecurity: { level: 'restricted', version: 'latest' } },
        },
      ],
    },
  };
  const verdict = (rule: string, object: Json) =>
    ruleWithoutException({
      policy,
      rule,
      resource: { apiVersion: 'v1', kind: String(object['kind']), name: 'web', namespace: 'prod', object },
    });

  it('would-fail naming the failing controls; would-pass once the pod is fixed', () => {
    const bad = pod({ containers: [restrictedContainer('app', 'nginx', { privileged: true })] });
    expect(verdict('restricted', bad)).toEqual({
      verdict: 'would-fail',
      why: 'rule restricted fails Pod Security restricted:latest: Privileged Containers (spec.containers[*].securityContext.privileged = true in container app, image nginx)',
    });
    expect(verdict('restricted', pod({ containers: [restrictedContainer('app', 'nginx')] })).verdict).toBe(
      'would-pass',
    );
  });

  it('reads the pod template of a Deployment for the autogen rule', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
    };
    expect(verdict('autogen-restricted', deployment).verdict).toBe('would-fail');
  });

  it('a controller without a pod template is unknown, saying why, and no finding about the policy', () => {
    const result = verdict('autogen-restricted', { apiVersion: 'apps/v1', kind: 'Deployment', spec: {} });
    expect(result).toEqual({
      verdict: 'unknown',
      why: 'rule autogen-restricted cannot be judged: the Deployment has no spec.template.spec',
    });
  });

  it('a bad level is a finding naming the policy and the rule', () => {
    const broken = {
      ...policy,
      spec: { rules: [{ ...policy.spec.rules[0], validate: { podSecurity: { level: 'max' } } }] },
    };
    const result = ruleWithoutException({
      policy: broken,
      rule: 'restricted',
      resource: { apiVersion: 'v1', kind: 'Pod', name: 'web', object: pod({ containers: [] }) },
    });
    expect(result).toMatchObject({
      verdict: 'unknown',
      finding:
        'ClusterPolicy psa rule restricted: podSecurity level "max" is not one of privileged, baseline, restricted',
    });
  });
});
