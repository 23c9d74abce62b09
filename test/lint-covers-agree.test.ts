import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { exceptionCovers, parseKindSelector, type ExceptionSpec } from '../src/domain/exception-match.js';
import { lintText } from '../src/domain/lint.js';
import { defaultSettings } from '../src/domain/settings.js';
import { wildcardMatch } from '../src/domain/wildcard.js';

/**
 * Property: lint and covers read an exception with the same code, so they never disagree. Random
 * exceptions and resources from a seeded generator; every lint verdict about reach or expiry is checked
 * against what covers answers for each resource.
 */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick };
}

const NOW = Date.parse('2026-11-30T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function randomException(r: ReturnType<typeof random>) {
  const filter = () => {
    if (r.next() < 0.1) return {};
    const resources: Record<string, unknown> = {};
    const kinds = r.pick([
      [],
      ['Pod'],
      ['Pod', 'Deployment'],
      ['apps/v1/Deployment'],
      ['batch/*/CronJob'],
      ['*'],
      ['v1/Pod'],
      ['a/b/c/Pod/x'],
    ]);
    if (kinds.length) resources['kinds'] = kinds;
    const namespaces = r.pick([[], ['payments'], ['pay*'], ['payments', 'web']]);
    if (namespaces.length) resources['namespaces'] = namespaces;
    if (r.next() < 0.2)
      resources['namespaceSelector'] = { matchLabels: { team: r.pick(['payments', 'web']) } };
    const names = r.pick([[], ['api-*'], ['api-1'], ['*']]);
    if (names.length) resources['names'] = names;
    if (r.next() < 0.2) resources['selector'] = { matchLabels: { color: r.pick(['blue', 'red']) } };
    return { resources };
  };
  const expiresMs = NOW + Math.floor((r.next() * 40 - 5) * 86_400) * 1000;
  const key = r.pick([
    `{{ time_before('{{ time_now_utc() }}', '${iso(expiresMs)}') }}`,
    `{{ time_before(time_now_utc(), '${iso(expiresMs)}') }}`,
    `{{ time_after('${iso(expiresMs)}', time_now_utc()) }}`,
    `{{ time_before(time_now_utc(), '${iso(expiresMs).slice(0, 10)}') }}`,
  ]);
  const condition = {
    key,
    operator: r.pick(['Equals', 'Equals', 'NotEquals']),
    value: r.pick([true, true, 'true']),
  };
  const extra =
    r.next() < 0.3
      ? [{ key: "{{ request.object.metadata.labels.color || '' }}", operator: 'Equals', value: 'blue' }]
      : [];
  return {
    manifest: {
      apiVersion: 'kyverno.io/v2',
      kind: 'PolicyException',
      metadata: { name: 'x', namespace: 'policy-exceptions' },
      spec: {
        exceptions: [{ policyName: 'p', ruleNames: ['r'] }],
        match: { any: Array.from({ length: r.pick([0, 1, 1, 2]) }, filter) },
        conditions: { all: [condition, ...extra] },
      },
    },
    expiresMs,
  };
}

function randomResource(r: ReturnType<typeof random>) {
  const [apiVersion, kind] = r.pick([
    ['v1', 'Pod'],
    ['apps/v1', 'Deployment'],
    ['batch/v1', 'CronJob'],
    ['v1', 'ConfigMap'],
  ] as const);
  const name = r.pick(['api-1', 'api-2', 'web-1']);
  const namespace = r.pick(['payments', 'web', 'other']);
  const labels = { color: r.pick(['blue', 'red']) };
  return {
    apiVersion,
    kind,
    name,
    namespace,
    labels,
    object: { apiVersion, kind, metadata: { name, namespace, labels } },
  };
}

describe('lint and covers never disagree', () => {
  it('on 2,000 random exceptions, each against 30 random resources', () => {
    const r = random(20261130);
    let checked = 0;
    for (let i = 0; i < 2000; i++) {
      const { manifest, expiresMs } = randomException(r);
      const rules = new Set(lintText(stringify(manifest), 'x.yaml', NOW, defaultSettings).map((f) => f.rule));
      const spec = manifest.spec as ExceptionSpec;
      const filters = spec.match?.any ?? [];
      for (let j = 0; j < 30; j++) {
        const resource = randomResource(r);
        const context = { nowMs: NOW, namespaceLabels: { team: resource.namespace } };
        const covered = exceptionCovers(spec, 'p', 'r', resource, context).covered;
        const label = `${stringify(manifest)}\n${JSON.stringify(resource)}`;
        if (rules.has('match-empty') || (filters.length && filters.every((f) => Object.keys(f).length === 0)))
          expect(covered, label).toBe(false);
        if (rules.has('expiry-unparseable')) expect(covered, label).toBe(false);
        if (rules.has('expiry-past') || rules.has('expiry-unparseable')) continue;
        const neverApplies = [...rules].includes('expiry-ineffective');
        if (neverApplies && manifest.spec.conditions.all[0]?.operator === 'Equals')
          expect(covered, label).toBe(false);
        if (!neverApplies) {
          // No expiry finding: whatever it covers now, it covers no more at its expiry.
          const later = exceptionCovers(spec, 'p', 'r', resource, { ...context, nowMs: expiresMs }).covered;
          expect(later, label).toBe(false);
        }
        if (covered !== true) continue;
        checked++;
        // With any, the resource is inside the union of the filters' lists.
        const listed = (field: 'namespaces' | 'names' | 'kinds') =>
          filters.flatMap((f) => f.resources?.[field] ?? []);
        if (!['namespaces-missing', 'namespace-selector', 'namespace-wildcard'].some((x) => rules.has(x)))
          expect(listed('namespaces'), label).toContain(resource.namespace);
        if (!['names-missing', 'names-by-labels'].some((x) => rules.has(x)))
          expect(
            listed('names').some((n) => wildcardMatch(n, resource.name)),
            label,
          ).toBe(true);
        if (!['kinds-broad', 'kinds-missing', 'kind-invalid'].some((x) => rules.has(x)))
          expect(
            listed('kinds').some((k) => parseKindSelector(k).kind === resource.kind),
            label,
          ).toBe(true);
      }
    }
    // The generator reaches the interesting region: many resources are covered.
    expect(checked).toBeGreaterThan(500);
  });
});
