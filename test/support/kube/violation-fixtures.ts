import type { FakeKubeApiServer } from './fake-api-server.js';

type Obj = Record<string, unknown>;

const at = (iso: string) => ({ seconds: Date.parse(iso) / 1000, nanos: 0 });
const owner = (apiVersion: string, kind: string, name: string) => ({
  ownerReferences: [{ apiVersion, kind, name, uid: `uid-${name}`, controller: true }],
});
const pod = (name: string, containers: Obj[], meta: Obj = {}): Obj => ({
  metadata: { name, namespace: 'payments', ...meta },
  spec: { containers },
});

export const DEPLOYMENT_POD = 'payments-api-7d9c8b6f5-x2x4z';
export const SIBLING_POD = 'payments-api-7d9c8b6f5-q8w7e';
export const OTHER_POD = 'payments-web-5f6d7c8b9-k2j3h';
export const CRON_POD = 'nightly-report-29012345-abcde';
export const BARE_POD = 'debug-shell';
export const PSS_POD = 'legacy-batch';
export const IVP_POD = 'vendor-agent';

/**
 * Workloads in `payments` and the reports Kyverno would write about them: a Deployment's pod, a CronJob's
 * pod and a bare pod failing require-image-signature (in both report API groups), a pod failing the
 * Pod Security baseline on two containers with different images, and one failing an
 * ImageValidatingPolicy. A second Deployment's pods pass: nothing drafted may cover them.
 * `seedControllerFailure` adds the Deployment failing the autogen rule itself.
 */
export function seedViolations(api: FakeKubeApiServer): void {
  api.seed('kyverno.io/v1', 'ClusterPolicy', {
    metadata: { name: 'pod-security' },
    spec: {
      rules: [
        {
          name: 'baseline',
          match: { any: [{ resources: { kinds: ['Pod'] } }] },
          validate: { podSecurity: { level: 'baseline', version: 'latest' } },
        },
      ],
    },
  });
  api.seed('policies.kyverno.io/v1', 'ImageValidatingPolicy', {
    metadata: { name: 'check-images' },
    spec: {
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] },
        ],
      },
      matchImageReferences: [{ glob: 'vendor.example/*' }],
    },
  });
  for (const [deploy, hash] of [
    ['payments-api', '7d9c8b6f5'],
    ['payments-web', '5f6d7c8b9'],
  ] as const) {
    api.seed('apps/v1', 'Deployment', { metadata: { name: deploy, namespace: 'payments' } });
    api.seed('apps/v1', 'ReplicaSet', {
      metadata: {
        name: `${deploy}-${hash}`,
        namespace: 'payments',
        labels: { app: deploy, 'pod-template-hash': hash },
        ...owner('apps/v1', 'Deployment', deploy),
      },
    });
  }
  for (const name of [DEPLOYMENT_POD, SIBLING_POD])
    api.seed(
      'v1',
      'Pod',
      pod(name, [{ name: 'api', image: 'registry.example/payments/api:1.4' }], {
        labels: { app: 'payments-api', 'pod-template-hash': '7d9c8b6f5' },
        ...owner('apps/v1', 'ReplicaSet', 'payments-api-7d9c8b6f5'),
      }),
    );
  api.seed(
    'v1',
    'Pod',
    pod(OTHER_POD, [{ name: 'web', image: 'registry.example/payments/web:2.0' }], {
      labels: { app: 'payments-web', 'pod-template-hash': '5f6d7c8b9' },
      ...owner('apps/v1', 'ReplicaSet', 'payments-web-5f6d7c8b9'),
    }),
  );
  api.seed('batch/v1', 'CronJob', { metadata: { name: 'nightly-report', namespace: 'payments' } });
  api.seed('batch/v1', 'Job', {
    metadata: {
      name: 'nightly-report-29012345',
      namespace: 'payments',
      ...owner('batch/v1', 'CronJob', 'nightly-report'),
    },
  });
  api.seed(
    'v1',
    'Pod',
    pod(CRON_POD, [{ name: 'report', image: 'registry.example/payments/report:7' }], {
      ...owner('batch/v1', 'Job', 'nightly-report-29012345'),
    }),
  );
  api.seed('v1', 'Pod', pod(BARE_POD, [{ name: 'shell', image: 'registry.example/tools/shell:1' }]));
  api.seed(
    'v1',
    'Pod',
    pod(PSS_POD, [
      { name: 'app', image: 'registry.example/legacy/app:2', securityContext: { privileged: true } },
      {
        name: 'proxy',
        image: 'registry.example/legacy/proxy:1',
        securityContext: { capabilities: { add: ['NET_ADMIN'] } },
      },
      { name: 'logs', image: 'registry.example/legacy/logs:1' },
    ]),
  );
  api.seed('v1', 'Pod', pod(IVP_POD, [{ name: 'agent', image: 'vendor.example/agent:3' }]));

  const result = (policy: string, rule: string, message: string, when = '2026-12-01T08:00:00Z') => ({
    policy,
    rule,
    result: 'fail',
    message,
    scored: true,
    source: 'kyverno',
    timestamp: at(when),
  });
  const scoped = (apiVersion: string, kind: string, name: string, results: Obj[]) =>
    api.seed(apiVersion, kind, {
      metadata: { name: `uid-${name}`, namespace: 'payments' },
      scope: { apiVersion: 'v1', kind: 'Pod', name, namespace: 'payments' },
      results,
    });
  const unsigned = 'image verification failed for registry.example/payments/api:1.4: no signatures found';
  scoped('wgpolicyk8s.io/v1alpha2', 'PolicyReport', DEPLOYMENT_POD, [
    result('require-image-signature', 'check-image-signature', unsigned),
  ]);
  // Its sibling runs the same image, so it fails too.
  scoped('wgpolicyk8s.io/v1alpha2', 'PolicyReport', SIBLING_POD, [
    result('require-image-signature', 'check-image-signature', unsigned, '2026-12-01T07:30:00Z'),
  ]);
  scoped('openreports.io/v1alpha1', 'Report', CRON_POD, [
    result('require-image-signature', 'check-image-signature', 'no signatures found', '2026-12-01T07:00:00Z'),
  ]);
  scoped('openreports.io/v1alpha1', 'Report', BARE_POD, [
    result('require-image-signature', 'check-image-signature', 'no signatures found', '2026-12-01T06:00:00Z'),
  ]);
  scoped('wgpolicyk8s.io/v1alpha2', 'PolicyReport', PSS_POD, [
    result(
      'pod-security',
      'baseline',
      'Validation rule \'baseline\' failed. It violates PodSecurity "baseline:latest": (Forbidden reason: privileged, field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])(Forbidden reason: non-default capabilities, field error list: [spec.containers[1].securityContext.capabilities.add is forbidden, forbidden values found: [NET_ADMIN]])',
    ),
  ]);
  scoped('openreports.io/v1alpha1', 'Report', IVP_POD, [
    result('check-images', '', 'image vendor.example/agent:3 is not signed by the vendor key'),
  ]);
  // A pod that passes: a report with nothing failing.
  api.seed('wgpolicyk8s.io/v1alpha2', 'PolicyReport', {
    metadata: { name: `uid-${OTHER_POD}`, namespace: 'payments' },
    scope: { apiVersion: 'v1', kind: 'Pod', name: OTHER_POD, namespace: 'payments' },
    results: [{ ...result('require-image-signature', 'check-image-signature', ''), result: 'pass' }],
  });
}

/** The Deployment itself failing the autogen rule, as Kyverno reports a controller. */
export function seedControllerFailure(api: FakeKubeApiServer): void {
  api.seed('wgpolicyk8s.io/v1alpha2', 'PolicyReport', {
    metadata: { name: 'uid-payments-api', namespace: 'payments' },
    scope: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'payments-api', namespace: 'payments' },
    results: [
      {
        policy: 'require-image-signature',
        rule: 'autogen-check-image-signature',
        result: 'fail',
        message: 'no signatures found',
        timestamp: at('2026-12-01T08:00:00Z'),
      },
    ],
  });
}
