// "Is it still needed?" at scale: 1,000 active exceptions (Waiver's own records, a third each for a Pod
// Security rule, a CEL ValidatingPolicy and a validate.pattern rule, each for one namespace and a name
// pattern) against 10,000 live objects (pods and deployments with whole specs over 200 namespaces, half
// of them fixed): the whole pass the sweep makes per cluster (`stillNeededOn`: render each exception,
// one coverage pass, each covered resource and rule evaluated once without any exception), the
// inventory answering from memory so the pass, not the API server, is timed. Median of the rounds with
// their spread, and the process's peak RSS. Goals: < 2 s, < 300 MB.
import { readFileSync } from 'node:fs';
import { newRequest } from '../dist/src/domain/new-request.js';
import { defaultSettings } from '../dist/src/domain/settings.js';
import { stillNeededOn } from '../dist/src/service/still-needed.js';
import { goal, rounds, summary } from './support/goal.mjs';
import { benchSize, scaled } from './support/size.mjs';

const EXCEPTIONS = benchSize(1000, 30);
const RESOURCES = EXCEPTIONS * 10;
const ROUNDS = scaled(5, 2);
const NAMESPACES = Math.max(1, Math.round(EXCEPTIONS / 5));
const now = Date.parse('2026-12-01T00:00:00Z');

const policies = new Map([
  [
    'require-run-as-non-root',
    {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'require-run-as-non-root' },
      spec: {
        rules: [
          {
            name: 'run-as-non-root',
            match: { any: [{ resources: { kinds: ['Pod'] } }] },
            validate: {
              message: 'run as non-root',
              pattern: {
                spec: {
                  securityContext: { runAsNonRoot: true },
                  containers: [{ image: '!*:latest', '=(securityContext)': { '=(privileged)': 'false' } }],
                },
              },
            },
          },
        ],
      },
    },
  ],
  [
    'pod-security-baseline',
    {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'pod-security-baseline' },
      spec: {
        rules: [
          {
            name: 'baseline',
            match: { any: [{ resources: { kinds: ['Pod'] } }] },
            validate: { podSecurity: { level: 'baseline', version: 'latest' } },
          },
        ],
      },
    },
  ],
  [
    'ValidatingPolicy/require-team-label',
    {
      apiVersion: 'policies.kyverno.io/v1',
      kind: 'ValidatingPolicy',
      metadata: { name: 'require-team-label' },
      spec: {
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] },
          ],
        },
        validations: [{ expression: "has(object.metadata.labels) && 'team' in object.metadata.labels" }],
      },
    },
  ],
]);

const scopes = [
  { policy: 'require-run-as-non-root', rules: ['run-as-non-root'], apiVersion: 'kyverno.io/v2' },
  { policy: 'pod-security-baseline', rules: ['baseline'], apiVersion: 'kyverno.io/v2' },
  { policy: 'ValidatingPolicy/require-team-label', rules: [], apiVersion: 'policies.kyverno.io/v1' },
];

const records = Array.from({ length: EXCEPTIONS }, (_, i) => {
  const scope = scopes[i % scopes.length];
  const { record } = newRequest({
    scope: {
      name: `svc-${i}-mig-${i}`,
      policy: scope.policy,
      rules: scope.rules,
      kinds: ['Pod'],
      namespaces: [`team-${i % NAMESPACES}`],
      names: [`svc-${i}-*`],
    },
    justification: {
      category: 'legacy-migration',
      ticket: `MIG-${i}`,
      reason: 'Legacy images move to the signed pipeline',
      riskAssessment: null,
      expiresAt: '2026-12-20T00:00:00Z',
      riskRating: null,
      compensatingControls: null,
      validations: [],
      falsePositive: null,
    },
    requestor: 'alice',
    now: '2026-11-20T00:00:00Z',
    apiVersion: scope.apiVersion,
    target: 'bench',
  });
  return {
    ...record,
    id: i + 1,
    version: 1,
    state: 'active',
    approver: 'bob',
    appliedAt: '2026-11-20T00:00:00Z',
  };
});

/** A pod of exception `owner`: fixed (passes every policy) or not (fails each). */
const pod = (i, owner, fixed) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: `svc-${owner}-${i}`,
    namespace: `team-${owner % NAMESPACES}`,
    labels: fixed ? { app: `svc-${owner}`, team: 'payments' } : { app: `svc-${owner}` },
  },
  spec: {
    ...(fixed ? { securityContext: { runAsNonRoot: true } } : { hostNetwork: true }),
    containers: [
      {
        name: 'app',
        image: fixed ? `registry.example/svc-${owner}:1.${i}` : `registry.example/svc-${owner}:latest`,
        ports: [{ containerPort: 8080 }],
        securityContext: fixed
          ? { privileged: false, allowPrivilegeEscalation: false }
          : { privileged: true },
        resources: { limits: { cpu: '500m', memory: '256Mi' } },
      },
    ],
  },
});
// Each exception covers ten pods; half the exceptions have every pod fixed, half have one broken.
const objects = Array.from({ length: RESOURCES }, (_, i) => {
  const owner = i % EXCEPTIONS;
  return pod(i, owner, owner % 2 === 0 || i < EXCEPTIONS * 9);
});
const namespaceLabels = new Map(
  Array.from({ length: NAMESPACES }, (_, n) => [`team-${n}`, { 'kubernetes.io/metadata.name': `team-${n}` }]),
);
const inventory = {
  objects: () => Promise.resolve({ objects, kinds: ['v1/Pod'], skipped: [], truncated: false }),
  namespaceLabels: () => Promise.resolve(namespaceLabels),
  policy: (name) => Promise.resolve(policies.get(name)),
  reports: () => Promise.resolve([]),
};
const deps = { settings: defaultSettings, clock: { now: () => now } };

let last;
const times = await rounds(ROUNDS, async () => {
  last = await stillNeededOn(deps, inventory, records, now);
});
const peakMb = () => {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : Number.NaN;
};
const peak = peakMb();

const verdicts = [...last.verdicts.values()];
const counted = { 'would-pass': 0, 'would-fail': 0, unknown: 0 };
for (const v of verdicts) for (const r of v.resources) counted[r.verdict]++;
const flagged = verdicts.filter((v) => v.noLongerNeeded).length;
const size = `${EXCEPTIONS.toLocaleString('en')} exceptions × ${RESOURCES.toLocaleString('en')} live objects`;
console.log(
  `${size}: ${flagged} flagged no longer needed; covered resource verdicts: ${counted['would-pass']} would-pass, ${counted['would-fail']} would-fail, ${counted.unknown} unknown`,
);
goal({
  name: `still-needed pass, ${size}`,
  unit: 'ms',
  measured: times,
  target: '< 2000 ms',
  met: summary(times).median < 2000,
});
goal({
  name: `still-needed pass, ${size}: peak RSS of the process (fixtures included)`,
  unit: 'MB',
  measured: [peak],
  target: '< 300 MB',
  met: peak < 300,
});
