import { describe, expect, it } from 'vitest';
import type { ResourceUnderTest } from '../exception-match.js';
import type { PolicyDocument } from './rule-verdict.js';
import { autogenRule, ruleWithoutException } from './would-fail.js';

type Json = Record<string, unknown>;

const resource = (object: Json): ResourceUnderTest => {
  const meta = (object['metadata'] ?? {}) as Json;
  return {
    apiVersion: typeof object['apiVersion'] === 'string' ? object['apiVersion'] : 'v1',
    kind: typeof object['kind'] === 'string' ? object['kind'] : 'Pod',
    name: typeof meta['name'] === 'string' ? meta['name'] : 'x',
    namespace: typeof meta['namespace'] === 'string' ? meta['namespace'] : 'default',
    object,
  };
};

const clusterPolicy = (rules: Json[], name = 'pol'): PolicyDocument => ({
  apiVersion: 'kyverno.io/v1',
  kind: 'ClusterPolicy',
  metadata: { name },
  spec: { rules },
});

const pod = (containers: Json[], extra: Json = {}, labels: Record<string, string> = {}): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'prod', labels },
  spec: { containers, ...extra },
});

const deployment = (template: Json): Json => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'prod' },
  spec: { replicas: 1, template },
});

const cronJob = (template: Json): Json => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'nightly', namespace: 'prod' },
  spec: { schedule: '@daily', jobTemplate: { spec: { template } } },
});

const noLatest: Json = {
  name: 'no-latest',
  match: { any: [{ resources: { kinds: ['Pod'] } }] },
  validate: { pattern: { spec: { containers: [{ image: '!*:latest' }] } } },
};

const verdict = (policy: PolicyDocument, rule: string, object: Json) =>
  ruleWithoutException({ policy, rule, resource: resource(object) }, { nowMs: Date.UTC(2026, 0, 1) });

describe('ruleWithoutException on kyverno.io patterns', () => {
  it('would-fail when the pattern fails and would-pass once the resource is fixed', () => {
    const policy = clusterPolicy([noLatest]);
    expect(verdict(policy, 'no-latest', pod([{ name: 'a', image: 'nginx:latest' }])).verdict).toBe(
      'would-fail',
    );
    expect(verdict(policy, 'no-latest', pod([{ name: 'a', image: 'nginx:1.27' }])).verdict).toBe(
      'would-pass',
    );
  });

  it('reads autogen-X against the Deployment as Kyverno rewrites the rule', () => {
    const policy = clusterPolicy([noLatest]);
    const bad = deployment({ metadata: {}, spec: { containers: [{ name: 'a', image: 'a:latest' }] } });
    const good = deployment({ metadata: {}, spec: { containers: [{ name: 'a', image: 'a:2' }] } });
    expect(verdict(policy, 'autogen-no-latest', bad).verdict).toBe('would-fail');
    expect(verdict(policy, 'autogen-no-latest', good).verdict).toBe('would-pass');
  });

  it('reads autogen-cronjob-X against spec.jobTemplate.spec.template', () => {
    const policy = clusterPolicy([noLatest]);
    const bad = cronJob({ spec: { containers: [{ name: 'a', image: 'a:latest' }] } });
    expect(verdict(policy, 'autogen-cronjob-no-latest', bad).verdict).toBe('would-fail');
    expect(verdict(policy, 'autogen-no-latest', bad).verdict).toBe('would-fail');
  });

  it('rewrites variables of an autogen rule as Kyverno does', () => {
    const rule = autogenRule(
      {
        name: 'r',
        preconditions: {
          all: [{ key: '{{ request.object.metadata.labels.app }}', operator: 'Equals', value: 'x' }],
        },
        validate: {
          deny: {
            conditions: {
              any: [{ key: '{{ request.object.spec.hostNetwork }}', operator: 'Equals', value: true }],
            },
          },
        },
      },
      'Cronjob',
    );
    expect(JSON.stringify(rule)).toContain(
      'request.object.spec.jobTemplate.spec.template.metadata.labels.app',
    );
    expect(JSON.stringify(rule)).toContain('request.object.spec.jobTemplate.spec.template.spec.hostNetwork');
    expect(rule.name).toBe('autogen-cronjob-r');
  });

  it('a skipped rule (a condition anchor not met) would pass: the resource is admitted', () => {
    const policy = clusterPolicy([
      {
        name: 'gvisor',
        validate: { pattern: { spec: { '(runtimeClassName)': 'gvisor', hostNetwork: false } } },
      },
    ]);
    const v = verdict(policy, 'gvisor', pod([{ name: 'a', image: 'a' }]));
    expect(v.verdict).toBe('would-pass');
    expect(v.why).toMatch(/skips/);
  });

  it('anyPattern passes when one pattern does', () => {
    const policy = clusterPolicy([
      {
        name: 'either',
        validate: {
          anyPattern: [
            { spec: { securityContext: { runAsNonRoot: true } } },
            { spec: { containers: [{ securityContext: { runAsNonRoot: true } }] } },
          ],
        },
      },
    ]);
    const ok = pod([{ name: 'a', securityContext: { runAsNonRoot: true } }]);
    const bad = pod([{ name: 'a' }]);
    expect(verdict(policy, 'either', ok).verdict).toBe('would-pass');
    expect(verdict(policy, 'either', bad).verdict).toBe('would-fail');
  });

  it('deny conditions with variables and preconditions', () => {
    const policy = clusterPolicy([
      {
        name: 'no-host-network',
        preconditions: {
          all: [
            {
              key: "{{ request.object.metadata.labels.tier || '' }}",
              operator: 'NotEquals',
              value: 'system',
            },
          ],
        },
        validate: {
          deny: {
            conditions: {
              any: [
                { key: '{{ request.object.spec.hostNetwork || `false` }}', operator: 'Equals', value: true },
              ],
            },
          },
        },
      },
    ]);
    expect(verdict(policy, 'no-host-network', pod([], { hostNetwork: true })).verdict).toBe('would-fail');
    expect(verdict(policy, 'no-host-network', pod([], { hostNetwork: false })).verdict).toBe('would-pass');
    expect(verdict(policy, 'no-host-network', pod([])).verdict).toBe('would-pass');
    const system = verdict(policy, 'no-host-network', pod([], { hostNetwork: true }, { tier: 'system' }));
    expect(system.verdict).toBe('would-pass');
    expect(system.why).toMatch(/preconditions not met/);
  });

  it('a deny condition on a missing field is an error in Kyverno, so unknown here', () => {
    const policy = clusterPolicy([
      {
        name: 'r',
        validate: {
          deny: {
            conditions: { all: [{ key: '{{ request.object.spec.nope }}', operator: 'Equals', value: 'x' }] },
          },
        },
      },
    ]);
    const v = verdict(policy, 'r', pod([]));
    expect(v.verdict).toBe('unknown');
    expect(v.why).toMatch(/error/);
  });

  it('a condition on the admission request is unknown, saying why', () => {
    const policy = clusterPolicy([
      {
        name: 'r',
        validate: {
          deny: {
            conditions: { all: [{ key: '{{ request.operation }}', operator: 'Equals', value: 'CREATE' }] },
          },
        },
      },
    ]);
    expect(verdict(policy, 'r', pod([])).why).toMatch(/admission/);
  });

  it('substitutes variables in a pattern', () => {
    const policy = clusterPolicy([
      {
        name: 'label-matches-name',
        validate: { pattern: { metadata: { labels: { app: '{{ request.object.metadata.name }}' } } } },
      },
    ]);
    expect(verdict(policy, 'label-matches-name', pod([], {}, { app: 'web-1' })).verdict).toBe('would-pass');
    expect(verdict(policy, 'label-matches-name', pod([], {}, { app: 'other' })).verdict).toBe('would-fail');
  });

  it.each([
    [{ name: 'r', verifyImages: [{ imageReferences: ['*'] }] }, /registry/],
    [{ name: 'r', validate: { cel: { expressions: [{ expression: 'true' }] } } }, /validate.cel/],
    [
      { name: 'r', validate: { foreach: [{ list: 'request.object.spec.containers', foreach: [] }] } },
      /nests foreach/,
    ],
    [{ name: 'r', validate: { manifests: { attestors: [] } } }, /signatures/],
    [{ name: 'r', mutate: { patchStrategicMerge: {} } }, /does not validate/],
    [
      {
        name: 'r',
        context: [{ name: 'cm', configMap: { name: 'x', namespace: 'y' } }],
        validate: { pattern: { spec: {} } },
      },
      /configMap/,
    ],
    [
      {
        name: 'r',
        context: [{ name: 'n', apiCall: { urlPath: '/api/v1/namespaces' } }],
        validate: { pattern: { spec: {} } },
      },
      /apiCall/,
    ],
    [
      {
        name: 'r',
        context: [{ name: 'i', imageRegistry: { reference: 'x' } }],
        validate: { pattern: { spec: {} } },
      },
      /imageRegistry/,
    ],
  ])('is unknown, saying why, for %j', (rule, why) => {
    const v = verdict(clusterPolicy([rule]), 'r', pod([{ name: 'a', image: 'a' }]));
    expect(v.verdict).toBe('unknown');
    expect(v.why).toMatch(why);
  });

  it('foreach checks each element, the element as the pattern target and as {{ element }}', () => {
    const policy = clusterPolicy([
      {
        name: 'images',
        validate: {
          foreach: [
            {
              list: 'request.object.spec.containers',
              preconditions: {
                all: [{ key: '{{ element.name }}', operator: 'NotEquals', value: 'sidecar' }],
              },
              pattern: { image: '!*:latest' },
            },
          ],
        },
      },
      {
        name: 'registry',
        validate: {
          foreach: [
            {
              list: 'request.object.spec.initContainers',
              deny: {
                conditions: {
                  any: [{ key: '{{ element.image }}', operator: 'Equals', value: 'docker.io/*' }],
                },
              },
            },
          ],
        },
      },
    ]);
    const containers = [
      { name: 'app', image: 'a:1' },
      { name: 'sidecar', image: 'b:latest' },
    ];
    expect(verdict(policy, 'images', pod(containers)).verdict).toBe('would-pass');
    expect(verdict(policy, 'images', pod([{ name: 'app', image: 'a:latest' }])).verdict).toBe('would-fail');
    const init = (image: string) => pod([], { initContainers: [{ name: 'i', image }] });
    expect(verdict(policy, 'registry', init('docker.io/x')).verdict).toBe('would-fail');
    expect(verdict(policy, 'registry', init('ghcr.io/x')).verdict).toBe('would-pass');
    // No initContainers: the list is not there, Kyverno skips it, and the resource is admitted.
    expect(verdict(policy, 'registry', pod([])).verdict).toBe('would-pass');
  });

  it('context variables are loaded in order, with their defaults, and read by the checks', () => {
    const policy = clusterPolicy([
      {
        name: 'team-label',
        context: [
          { name: 'team', variable: { jmesPath: 'request.object.metadata.labels.team', default: 'none' } },
          { name: 'allowed', variable: { value: ['payments', 'web'] } },
        ],
        validate: {
          deny: {
            conditions: { all: [{ key: '{{ team }}', operator: 'AnyNotIn', value: '{{ allowed }}' }] },
          },
        },
      },
    ]);
    expect(verdict(policy, 'team-label', pod([], {}, { team: 'web' })).verdict).toBe('would-pass');
    expect(verdict(policy, 'team-label', pod([], {}, { team: 'ops' })).verdict).toBe('would-fail');
    expect(verdict(policy, 'team-label', pod([])).verdict).toBe('would-fail');
    const noDefault = clusterPolicy([
      {
        name: 'r',
        context: [{ name: 'team', variable: { jmesPath: 'request.object.metadata.labels.team' } }],
        validate: { deny: { conditions: { all: [{ key: '{{ team }}', operator: 'Equals', value: 'x' }] } } },
      },
    ]);
    // Kyverno fails to load the context: an error, not a fail.
    expect(verdict(noDefault, 'r', pod([])).verdict).toBe('unknown');
  });

  it('a rule the policy does not have is unknown', () => {
    expect(verdict(clusterPolicy([noLatest]), 'other', pod([])).why).toMatch(/has no rule other/);
    expect(verdict(clusterPolicy([noLatest]), 'autogen-other', deployment({})).why).toMatch(/no rule other/);
  });

  it('a policy kind not evaluated here is unknown', () => {
    const v = verdict({ kind: 'MutatingPolicy', metadata: { name: 'm' }, spec: {} }, '', pod([]));
    expect(v.verdict).toBe('unknown');
  });

  it('bad input gives unknown and a finding naming the policy and the key, never a throw', () => {
    const policy = clusterPolicy(
      [
        {
          name: 'r',
          validate: { pattern: { spec: { '+(hostNetwork)': false, containers: [{ '!(image)': 'x' }] } } },
        },
      ],
      'bad-anchors',
    );
    const v = verdict(policy, 'r', pod([{ name: 'a', image: 'a' }]));
    expect(v.verdict).toBe('unknown');
    expect(v.finding).toMatch(/ClusterPolicy bad-anchors rule r/);
    expect(v.finding).toMatch(/\+\(hostNetwork\)/);
    expect(v.finding).toMatch(/!\(image\)/);
    for (const broken of [null, 42, 'text', { rules: 'x' }, { rules: [null, 7] }])
      expect(() =>
        verdict({ kind: 'ClusterPolicy', metadata: { name: 'b' }, spec: broken }, 'r', pod([])),
      ).not.toThrow();
  });

  it('without the resource body nothing can be said', () => {
    const v = ruleWithoutException({
      policy: clusterPolicy([noLatest]),
      rule: 'no-latest',
      resource: { apiVersion: 'v1', kind: 'Pod', name: 'x' },
    });
    expect(v.verdict).toBe('unknown');
  });
});

/** Mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  return { next, int, pick };
}

type Rng = ReturnType<typeof random>;

/**
 * Patterns built from pieces whose meaning is fixed by Kyverno's documentation, with an oracle written
 * from that meaning (not from the engine): a literal equals, `!v` differs, `>n` / `<n` compare numbers,
 * `?*` is any non-empty value, `X(k)` needs k absent, `=(k)` checks k only when present; a map needs every
 * key; a list pattern of one map needs every element to match.
 */
interface Piece {
  pattern: unknown;
  /** Does the value (undefined: the key is absent) satisfy the piece? */
  holds: (value: unknown) => boolean;
}

const IMAGES = ['nginx:1.27', 'nginx:latest', 'redis', 'busybox:1', ''];
const POLICIES = ['Always', 'IfNotPresent', 'Never'];

function scalarPiece(rng: Rng, field: 'image' | 'imagePullPolicy' | 'replicas'): Piece {
  if (field === 'replicas') {
    const n = rng.int(5);
    return rng.next() < 0.5
      ? { pattern: `>${n}`, holds: (v) => typeof v === 'number' && v > n }
      : { pattern: `<${n}`, holds: (v) => (typeof v === 'number' && v < n) || (v === undefined && 0 < n) };
  }
  const values = field === 'image' ? IMAGES : POLICIES;
  const v = rng.pick(values.filter((x) => x !== ''));
  switch (rng.int(3)) {
    case 0:
      return { pattern: v, holds: (x) => x === v };
    case 1:
      return { pattern: `!${v}`, holds: (x) => typeof x === 'string' && x !== v };
    default:
      return { pattern: '?*', holds: (x) => typeof x === 'string' && x.length > 0 };
  }
}

function generate(seed: number) {
  const rng = random(seed);
  const containers = Array.from({ length: 1 + rng.int(3) }, (_, i) => {
    const c: Json = { name: `c${i}` };
    if (rng.next() < 0.8) c['image'] = rng.pick(IMAGES);
    if (rng.next() < 0.6) c['imagePullPolicy'] = rng.pick(POLICIES);
    if (rng.next() < 0.3) c['privileged'] = rng.next() < 0.5;
    return c;
  });
  const spec: Json = { containers };
  if (rng.next() < 0.5) spec['replicas'] = rng.int(5);
  if (rng.next() < 0.3) spec['hostNetwork'] = rng.next() < 0.5;

  const containerPattern: Json = {};
  const checks: ((c: Json) => boolean)[] = [];
  for (const field of ['image', 'imagePullPolicy'] as const) {
    const mode = rng.int(3);
    if (mode === 0) continue;
    const piece = scalarPiece(rng, field);
    if (mode === 1) {
      containerPattern[field] = piece.pattern;
      checks.push((c) => piece.holds(c[field]));
    } else {
      containerPattern[`=(${field})`] = piece.pattern;
      checks.push((c) => !(field in c) || piece.holds(c[field]));
    }
  }
  if (rng.next() < 0.3) {
    containerPattern['X(privileged)'] = 'null';
    checks.push((c) => !('privileged' in c));
  }
  const specPattern: Json = {};
  const specChecks: (() => boolean)[] = [];
  if (Object.keys(containerPattern).length) {
    specPattern['containers'] = [containerPattern];
    specChecks.push(() => containers.every((c) => checks.every((check) => check(c))));
  }
  if (rng.next() < 0.4) {
    const piece = scalarPiece(rng, 'replicas');
    specPattern['replicas'] = piece.pattern;
    specChecks.push(() => piece.holds(spec['replicas']));
  }
  if (rng.next() < 0.3) {
    specPattern['X(hostNetwork)'] = 'null';
    specChecks.push(() => !('hostNetwork' in spec));
  }
  const expected = specChecks.every((c) => c());
  return { object: pod(containers, spec), pattern: { spec: specPattern }, expected };
}

describe('property: would-pass never appears where Kyverno would fail', () => {
  it('holds for 3,000 generated resources and patterns whose outcome is known by construction', () => {
    const disagreements: string[] = [];
    let passes = 0;
    let fails = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const { object, pattern, expected } = generate(seed);
      const policy = clusterPolicy([{ name: 'r', validate: { pattern } }]);
      const v = verdict(policy, 'r', object);
      if (v.verdict === 'would-pass') passes++;
      if (v.verdict === 'would-fail') fails++;
      if (v.verdict === 'would-pass' && !expected)
        disagreements.push(`seed ${seed}: would-pass, expected fail`);
      if (v.verdict === 'would-fail' && expected)
        disagreements.push(`seed ${seed}: would-fail, expected pass`);
    }
    expect(disagreements).toEqual([]);
    // Both outcomes are exercised, so the property is not vacuous.
    expect(passes).toBeGreaterThan(300);
    expect(fails).toBeGreaterThan(300);
  });
});
