import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  exceptionCovers,
  filterMatches,
  kindMatches,
  matchCovers,
  parseKindSelector,
  selectorMatches,
  type ExceptionSpec,
  type ResourceUnderTest,
} from './exception-match.js';

const pod = (extra: Partial<ResourceUnderTest> = {}): ResourceUnderTest => ({
  apiVersion: 'v1',
  kind: 'Pod',
  name: 'payments-api-1',
  namespace: 'payments',
  labels: { app: 'payments-api', tier: 'web' },
  annotations: { 'team.example.com/owner': 'payments' },
  ...extra,
});
const deployment = (extra: Partial<ResourceUnderTest> = {}): ResourceUnderTest =>
  pod({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'payments-api', ...extra });

describe('which resources an exception covers, as Kyverno matches them', () => {
  it('parses kind selectors in every form Kyverno accepts', () => {
    expect(parseKindSelector('Pod')).toEqual({ group: '*', version: '*', kind: 'Pod', sub: '' });
    expect(parseKindSelector('v1/Pod')).toEqual({ group: '*', version: 'v1', kind: 'Pod', sub: '' });
    expect(parseKindSelector('apps/v1/Deployment')).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      sub: '',
    });
    expect(parseKindSelector('batch/*/CronJob')).toEqual({
      group: 'batch',
      version: '*',
      kind: 'CronJob',
      sub: '',
    });
    expect(parseKindSelector('Deployment/scale')).toEqual({
      group: '*',
      version: '*',
      kind: 'Deployment',
      sub: 'scale',
    });
    expect(parseKindSelector('Pod.exec')).toEqual({ group: '*', version: '*', kind: 'Pod', sub: 'exec' });
    expect(parseKindSelector('*/*')).toEqual({ group: '*', version: '*', kind: '*', sub: '*' });
    expect(parseKindSelector('*/status')).toEqual({ group: '*', version: '*', kind: '*', sub: 'status' });
    expect(parseKindSelector('apps/v1/Deployment/scale')).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      sub: 'scale',
    });
  });

  it('matches kinds by group, version, kind and subresource; a narrow wildcard stays narrow', () => {
    const cronJob = { apiVersion: 'batch/v1', kind: 'CronJob' };
    expect(kindMatches('batch/*/CronJob', cronJob)).toBe(true);
    expect(kindMatches('batch/*/CronJob', { apiVersion: 'batch/v1', kind: 'Job' })).toBe(false);
    expect(kindMatches('apps/v1/Deployment', { apiVersion: 'apps/v1', kind: 'Deployment' })).toBe(true);
    expect(kindMatches('apps/v1/Deployment', { apiVersion: 'extensions/v1beta1', kind: 'Deployment' })).toBe(
      false,
    );
    expect(kindMatches('v1/Pod', { apiVersion: 'v1', kind: 'Pod' })).toBe(true);
    expect(kindMatches('Pod', { apiVersion: 'v1', kind: 'Pod', subresource: 'exec' })).toBe(true);
    expect(kindMatches('Pod/exec', { apiVersion: 'v1', kind: 'Pod' })).toBe(false);
    expect(
      kindMatches('Deployment/scale', { apiVersion: 'apps/v1', kind: 'Deployment', subresource: 'scale' }),
    ).toBe(true);
    expect(kindMatches('pod', { apiVersion: 'v1', kind: 'Pod' })).toBe(false); // case-sensitive
  });

  it('reads names (generateName when there is none), the singular name, namespaces, annotations and selectors', () => {
    const filter = (resources: NonNullable<Parameters<typeof filterMatches>[0]['resources']>) => ({
      resources,
    });
    expect(filterMatches(filter({ names: ['payments-api-*'] }), pod()).covered).toBe(true);
    expect(filterMatches(filter({ names: ['billing-*'] }), pod()).covered).toBe(false);
    expect(filterMatches(filter({ name: 'payments-api-?' }), pod()).covered).toBe(true);
    expect(filterMatches(filter({ names: ['web-*'] }), pod({ name: '', generateName: 'web-' })).covered).toBe(
      true,
    );
    expect(filterMatches(filter({ namespaces: ['pay*'] }), pod()).covered).toBe(true);
    expect(filterMatches(filter({ namespaces: ['billing'] }), pod()).covered).toBe(false);
    expect(
      filterMatches(filter({ namespaces: ['payments'] }), {
        ...pod(),
        kind: 'Namespace',
        name: 'payments',
        namespace: undefined,
      }).covered,
    ).toBe(true);
    expect(filterMatches(filter({ annotations: { 'team.example.com/*': 'pay*' } }), pod()).covered).toBe(
      true,
    );
    expect(
      filterMatches(filter({ annotations: { 'team.example.com/owner': 'billing' } }), pod()).covered,
    ).toBe(false);
    expect(filterMatches(filter({ selector: { matchLabels: { app: 'payments-*' } } }), pod()).covered).toBe(
      true,
    );
    expect(filterMatches(filter({ selector: { matchLabels: { app: 'billing' } } }), pod()).covered).toBe(
      false,
    );
    const namespaceSelector = { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] };
    expect(filterMatches(filter({ namespaceSelector }), pod())).toMatchObject({ covered: 'unknown' });
    expect(
      filterMatches(filter({ namespaceSelector }), pod(), { namespaceLabels: { env: 'prod' } }).covered,
    ).toBe(true);
    expect(
      filterMatches(filter({ namespaceSelector }), pod(), { namespaceLabels: { env: 'dev' } }).covered,
    ).toBe(false);
  });

  it('evaluates label selector operators as Kubernetes does', () => {
    const labels = { app: 'web', tier: 'front' };
    const expr = (operator: string, values?: string[]) => ({
      matchExpressions: [{ key: 'tier', operator, ...(values ? { values } : {}) }],
    });
    expect(selectorMatches(expr('In', ['front', 'back']), labels)).toBe(true);
    expect(selectorMatches(expr('NotIn', ['front']), labels)).toBe(false);
    expect(selectorMatches(expr('NotIn', ['front']), { app: 'web' })).toBe(true);
    expect(selectorMatches(expr('Exists'), labels)).toBe(true);
    expect(selectorMatches(expr('DoesNotExist'), labels)).toBe(false);
    expect(selectorMatches({}, labels)).toBe(true);
  });

  it('matches nothing with an empty filter or an empty match, and ANDs all, ORs any', () => {
    expect(matchCovers({ any: [{}] }, pod())).toEqual({
      covered: false,
      why: 'an empty filter matches nothing',
    });
    expect(matchCovers({}, pod()).covered).toBe(false);
    const ns = { resources: { namespaces: ['payments'] } };
    const kind = { resources: { kinds: ['Deployment'] } };
    expect(matchCovers({ any: [ns, kind] }, pod()).covered).toBe(true);
    expect(matchCovers({ all: [ns, kind] }, pod()).covered).toBe(false);
    expect(matchCovers({ all: [ns, kind] }, deployment()).covered).toBe(true);
  });

  it('judges subjects and roles only with the requesting user', () => {
    const filter = { resources: { kinds: ['Pod'] }, subjects: [{ kind: 'User', name: 'chip' }] };
    expect(filterMatches(filter, pod()).covered).toBe('unknown');
    const user = (username: string) => ({ username, groups: [], roles: [], clusterRoles: [] });
    expect(filterMatches(filter, pod(), { user: user('chip') }).covered).toBe(true);
    expect(filterMatches(filter, pod(), { user: user('dale') }).covered).toBe(false);
  });

  it('names the policy exactly and the rule by wildcard; a condition on an object not given is unknown', () => {
    const spec: ExceptionSpec = {
      exceptions: [{ policyName: 'require-image-signature', ruleNames: ['check-*'] }],
      match: { any: [{ resources: { kinds: ['Pod'], namespaces: ['payments'] } }] },
    };
    expect(exceptionCovers(spec, 'require-image-signature', 'check-image-signature', pod()).covered).toBe(
      true,
    );
    expect(exceptionCovers(spec, 'require-image', 'check-image-signature', pod()).covered).toBe(false);
    const pattern = { ...spec, exceptions: [{ policyName: 'require-*', ruleNames: ['check-*'] }] };
    expect(exceptionCovers(pattern, 'require-image-signature', 'check-image-signature', pod()).covered).toBe(
      'unknown',
    );
    expect(exceptionCovers(pattern, 'disallow-latest', 'check-image-signature', pod()).covered).toBe(false);
    expect(
      exceptionCovers(spec, 'require-image-signature', 'autogen-check-image-signature', pod()).covered,
    ).toBe(false);
    const timed = {
      ...spec,
      conditions: {
        all: [{ key: '{{ request.object.metadata.labels.color }}', operator: 'Equals', value: 'blue' }],
      },
    };
    expect(exceptionCovers(timed, 'require-image-signature', 'check-image-signature', pod()).covered).toBe(
      'unknown',
    );
  });

  it('judges the expiry forms Kyverno evaluates, typed and strict, at the instant given', () => {
    const at = (key: string, value: unknown = true, operator = 'Equals'): ExceptionSpec => ({
      exceptions: [{ policyName: 'p', ruleNames: ['r'] }],
      match: { any: [{ resources: { kinds: ['Pod'] } }] },
      conditions: { all: [{ key, operator, value }] },
    });
    const covered = (spec: ExceptionSpec, now: string) =>
      exceptionCovers(spec, 'p', 'r', pod(), { nowMs: Date.parse(now) });
    const forms = [
      "{{ time_before('{{ time_now_utc() }}', '2026-12-31T00:00:00Z') }}",
      "{{ time_before(time_now_utc(), '2026-12-31T00:00:00Z') }}",
      "{{ time_after('2026-12-31T00:00:00Z', time_now_utc()) }}",
    ];
    for (const key of forms) {
      expect(covered(at(key), '2026-12-30T23:59:59Z').covered, key).toBe(true);
      expect(covered(at(key), '2026-12-31T00:00:00Z').covered, key).toBe(false);
    }
    // Equals is typed: the string "true" never equals the boolean the function returns.
    expect(covered(at(forms[0] ?? '', 'true'), '2026-12-01T00:00:00Z').covered).toBe(false);
    // A bare date is not RFC 3339: the function errors and Kyverno skips the exception.
    expect(
      covered(at("{{ time_before(time_now_utc(), '2026-12-31') }}"), '2026-12-01T00:00:00Z'),
    ).toMatchObject({
      covered: false,
      why: expect.stringContaining('fails to evaluate') as unknown,
    });
    // Without an instant to judge at, it is not guessed.
    expect(exceptionCovers(at(forms[0] ?? ''), 'p', 'r', pod()).covered).toBe('unknown');
  });
});

describe('the blast radius', () => {
  it('checks a policy’s rules, with autogen rules exactly when Kyverno makes them (#1)', async () => {
    const { coverage, policyRules } = await import('./coverage.js');
    const dir = new URL(
      '../../test/fixtures/kyverno/cli-test-exceptions-1-autogen-wildcard-names/',
      import.meta.url,
    );
    const load = (file: string) =>
      parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((d) => d.toJS() as Record<string, any>);
    const [policy] = load('policy.yaml');
    const rules = policyRules(policy as never);
    expect(rules.map((r) => [r.rule, r.kinds])).toEqual([
      ['host-namespaces', ['Pod']],
      [
        'autogen-host-namespaces',
        ['DaemonSet', 'Deployment', 'Job', 'StatefulSet', 'ReplicaSet', 'ReplicationController'],
      ],
      ['autogen-cronjob-host-namespaces', ['CronJob']],
    ]);
    const [exception] = load('exception.yaml');
    const resources = load('resources.yaml').map((d) => ({
      apiVersion: d['apiVersion'] as string,
      kind: d['kind'] as string,
      name: d['metadata'].name as string,
      namespace: d['metadata'].namespace as string | undefined,
    }));
    const items = coverage(
      [{ namespace: 'delta', name: 'delta-exception', spec: exception?.['spec'] }],
      resources,
      rules,
    );
    expect(items.map((i) => [i.resource.name, i.rule, i.covered, i.exceptions])).toEqual([
      ['important-tool', 'autogen-host-namespaces', true, ['delta/delta-exception']],
      ['bad-deployment', 'autogen-host-namespaces', false, []],
      ['good-deployment', 'autogen-host-namespaces', false, []],
    ]);
    // Kyverno makes no autogen rule for a rule that selects by name, nor with the annotation `none`.
    const named = {
      metadata: { name: 'p' },
      spec: { rules: [{ name: 'r', match: { any: [{ resources: { kinds: ['Pod'], names: ['x*'] } }] } }] },
    };
    expect(policyRules(named).map((r) => r.rule)).toEqual(['r']);
    const none = {
      metadata: { name: 'p', annotations: { 'pod-policies.kyverno.io/autogen-controllers': 'none' } },
      spec: { rules: [{ name: 'r', match: { any: [{ resources: { kinds: ['Pod'] } }] } }] },
    };
    expect(policyRules(none).map((r) => r.rule)).toEqual(['r']);
    const some = {
      ...none,
      metadata: { name: 'p', annotations: { 'pod-policies.kyverno.io/autogen-controllers': 'Deployment' } },
    };
    expect(policyRules(some).map((r) => [r.rule, r.kinds])).toEqual([
      ['r', ['Pod']],
      ['autogen-r', ['Deployment']],
    ]);
    expect(
      policyRules({
        kind: 'Policy',
        metadata: { name: 'p', namespace: 'team' },
        spec: { rules: [{ name: 'r', match: { resources: { kinds: ['ConfigMap'] } } }] },
      })[0]?.policy,
    ).toBe('team/p');
  });
});

describe('the blast radius at scale', () => {
  it('finds the same answers through its namespace index as checking every exception would', async () => {
    const { coverage } = await import('./coverage.js');
    const exceptions = Array.from({ length: 60 }, (_, i) => ({
      namespace: 'policy-exceptions',
      name: `e${i}`,
      spec: {
        exceptions: [{ policyName: 'p', ruleNames: [i % 7 === 0 ? 'r*' : 'r1'] }],
        match:
          i % 5 === 0
            ? { all: [{ resources: { namespaces: [`ns-${i % 6}`] } }, { resources: { kinds: ['Pod'] } }] }
            : {
                any: [
                  {
                    resources: {
                      namespaces: [i % 4 === 0 ? `ns-${i % 3}*` : `ns-${i % 6}`],
                      names: [`app-${i % 9}*`],
                    },
                  },
                ],
              },
      },
    }));
    const resources = Array.from({ length: 300 }, (_, j) =>
      pod({ name: `app-${j % 11}-${j}`, namespace: `ns-${j % 8}` }),
    );
    const rules = [
      { policy: 'p', rule: 'r1', kinds: [] },
      { policy: 'p', rule: 'r2', kinds: [] },
    ];
    const items = coverage(exceptions, resources, rules);
    expect(items).toHaveLength(600);
    for (const item of items) {
      const resource = resources.find((r) => r.name === item.resource.name) ?? pod();
      const brute = exceptions
        .filter((e) => exceptionCovers(e.spec, 'p', item.rule, resource).covered === true)
        .map((e) => e.name);
      expect(
        item.exceptions.map((n) => n.replace('policy-exceptions/', '')).sort(),
        `${item.resource.name} ${item.rule}`,
      ).toEqual(brute.sort());
      expect(item.covered).toBe(brute.length > 0);
    }
    expect(items.filter((i) => i.covered === true).length).toBeGreaterThan(50);
  });
});
