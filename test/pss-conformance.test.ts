import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPod, podSecurityResult, type PodSecurityRule } from '../src/domain/pss/index.js';
import { controlReports } from '../src/domain/pss/controls.js';
import { KUBERNETES_CHECKS } from '../src/domain/pss/registry.js';

/**
 * Upstream's own fixtures (test/fixtures/pss/README.md): the pods of k8s.io/pod-security-admission's
 * test/testdata, for every level and version, and the table of Kyverno's pkg/pss/evaluate_test.go.
 */
const read = <T>(file: string): T =>
  JSON.parse(readFileSync(new URL(`fixtures/pss/${file}`, import.meta.url), 'utf8')) as T;

interface Upstream {
  source: { commit: string };
  cases: [level: string, version: string, expect: 'pass' | 'fail', name: string, pod: number][];
  pods: unknown[];
}

const upstream = read<Upstream>('upstream.json');

/** A fixture is named after its check (lower case) and a number: `capabilities_baseline2`. */
const checkIds = new Map(KUBERNETES_CHECKS.map((c) => [c.id.toLowerCase(), c.id]));
const checkOf = (name: string): string => checkIds.get(name.replace(/\d+$/, '')) ?? `unknown:${name}`;

/** At the restricted level a baseline check may be replaced by the restricted check that overrides it. */
function acceptable(check: string, level: string, minor: number): Set<string> {
  const ids = new Set([check]);
  if (level !== 'restricted') return ids;
  for (const c of KUBERNETES_CHECKS) {
    const at = c.versions.filter((v) => v.minimum <= minor).at(-1);
    if (at?.overrides?.includes(check)) ids.add(c.id);
  }
  return ids;
}

const groups = new Map<string, Upstream['cases']>();
for (const c of upstream.cases) groups.set(`${c[0]} ${c[1]}`, [...(groups.get(`${c[0]} ${c[1]}`) ?? []), c]);

describe(`k8s.io/pod-security-admission test/testdata (${upstream.source.commit.slice(0, 7)})`, () => {
  it('holds every level and version upstream has, both ways', () => {
    expect(upstream.cases.length).toBeGreaterThan(4000);
    expect(groups.size).toBe(2 * 38);
    expect(upstream.cases.filter((c) => c[2] === 'fail').length).toBeGreaterThan(2000);
  });

  it.each([...groups.keys()])('%s: pass fixtures pass, fail fixtures fail with their check', (key) => {
    const mismatches: string[] = [];
    for (const [level, version, expected, name, podIndex] of groups.get(key) ?? []) {
      const result = checkPod(upstream.pods[podIndex], level, version, 'kubernetes');
      if (expected === 'pass') {
        if (result.status !== 'pass') mismatches.push(`${name}: ${JSON.stringify(result)}`);
        continue;
      }
      const want = acceptable(checkOf(name), level, Number(version.slice(3)));
      const failing = result.status === 'fail' ? result.failures.map((f) => f.check) : [];
      if (!failing.some((id) => want.has(id)))
        mismatches.push(`${name}: ${result.status} ${failing.join(',')}`);
    }
    expect(mismatches).toEqual([]);
  });
});

interface KyvernoCase {
  table: string;
  name: string;
  rule: PodSecurityRule;
  pod: unknown;
  allowed: boolean;
}

const kyverno = read<{ source: { commit: string }; cases: KyvernoCase[] }>('kyverno-evaluate.json');
const tables = [...new Set(kyverno.cases.map((c) => c.table))];

describe(`Kyverno pkg/pss/evaluate_test.go Test_EvaluatePod (${kyverno.source.commit.slice(0, 7)})`, () => {
  it('holds the whole table', () => {
    expect(kyverno.cases.length).toBe(252);
    expect(kyverno.cases.filter((c) => c.rule.exclude).length).toBeGreaterThan(200);
  });

  it.each(tables)('%s: allowed exactly where Kyverno allows, with the rule exclusions', (table) => {
    const wrong = kyverno.cases
      .filter((c) => c.table === table)
      .filter((c) => (podSecurityResult(c.pod, c.rule, []).status === 'pass') !== c.allowed)
      .map((c) => `${c.name} (Kyverno: ${c.allowed ? 'allowed' : 'denied'})`);
    expect(wrong).toEqual([]);
  });
});

describe("lint's catalogue of restricted fields", () => {
  it('holds every field a check reports on the fixture pods, so lint never calls a real field unknown', () => {
    const unlisted = new Set<string>();
    const seen = new Set<string>();
    const pods = [...upstream.pods, ...kyverno.cases.map((c) => c.pod)];
    for (const p of pods)
      for (const level of ['baseline', 'restricted'])
        for (const version of ['v1.0', 'v1.18', 'v1.22', 'latest']) {
          const result = checkPod(p, level, version, 'kyverno');
          if (result.status !== 'fail') continue;
          for (const f of result.failures)
            for (const x of f.fields) {
              seen.add(x.restrictedField);
              if (!controlReports(f.control, x.restrictedField))
                unlisted.add(`${f.control}: ${x.restrictedField}`);
            }
        }
    expect([...unlisted]).toEqual([]);
    expect(seen.size).toBeGreaterThan(60);
  });
});
