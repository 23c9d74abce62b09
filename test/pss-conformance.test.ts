import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONTROL_CHECKS,
  checkPod,
  podSecurityResult,
  type PodSecurityExemption,
  type PodSecurityRule,
} from '../src/domain/pss/index.js';
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

/** A small seeded generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('properties of the Pod Security evaluation', () => {
  const pods = [...upstream.pods, ...kyverno.cases.map((c) => c.pod)];
  const next = random(26);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const versions = ['v1.0', 'v1.19', 'v1.25', 'v1.29', 'v1.34', 'latest'];

  it("adding exceptions never turns Kyverno's skip into fail, and a pass needs none", () => {
    let skips = 0;
    for (let trial = 0; trial < 1500; trial++) {
      const pod = pick(pods);
      const rule = { level: pick(['baseline', 'restricted']), version: pick(versions) };
      const alone = podSecurityResult(pod, rule, []);
      expect(alone.status === 'pass').toBe(
        checkPod(pod, rule.level, rule.version, 'kyverno').status === 'pass',
      );
      if (alone.status !== 'fail') continue;
      const entry = (): PodSecurityExemption => {
        const failure = pick(alone.failures);
        const field = failure.fields.length ? pick(failure.fields) : undefined;
        const controlName = next() < 0.8 ? failure.control : pick(Object.keys(CONTROL_CHECKS));
        const images = pick([[], ['*'], field?.container ? [field.container.image] : [], ['nothing-*']]);
        const restricted = field && next() < 0.6;
        return {
          controlName,
          images,
          ...(restricted
            ? { restrictedField: field.restrictedField, values: pick([field.values, ['*'], ['other']]) }
            : {}),
        };
      };
      const some = Array.from({ length: Math.floor(next() * 3) }, entry);
      const more = [...some, entry()];
      const before = podSecurityResult(pod, rule, some);
      const after = podSecurityResult(pod, rule, more);
      expect(['skip', 'fail']).toContain(before.status);
      if (before.status === 'skip') expect(after.status).toBe('skip');
      if (after.status === 'skip') skips++;
    }
    expect(skips).toBeGreaterThan(100);
  });

  it('never throws on what is not a pod: any shape gets a status', () => {
    const words = [
      'spec',
      'containers',
      'securityContext',
      'volumes',
      'capabilities',
      'add',
      'name',
      'image',
    ];
    const value = (depth: number): unknown => {
      const r = next();
      if (depth > 3 || r < 0.2) return pick([null, true, 0, 1, 'x', '', [], {}]);
      if (r < 0.5) return Array.from({ length: 2 }, () => value(depth + 1));
      return Object.fromEntries(words.filter(() => next() < 0.4).map((k) => [k, value(depth + 1)]));
    };
    for (let trial = 0; trial < 2000; trial++) {
      const resource = {
        kind: pick(['Pod', 'Deployment', 'CronJob', 'Job']),
        spec: value(0),
        metadata: value(1),
      };
      const rule = { level: 'restricted', version: 'latest', exclude: value(1) };
      expect(['pass', 'fail', 'error']).toContain(checkPod(resource, 'restricted', 'latest').status);
      const exempted = podSecurityResult(resource, rule, [{ controlName: 'Capabilities', images: ['*'] }]);
      expect(['pass', 'skip', 'fail', 'error']).toContain(exempted.status);
    }
  });
});
