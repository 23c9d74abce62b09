import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { policyRules, resourceUnderTest, type Doc } from '../src/domain/coverage.js';
import type { PolicyDocument } from '../src/domain/evaluate/rule-verdict.js';
import { ruleWithoutException } from '../src/domain/evaluate/would-fail.js';

/**
 * Kyverno's own CLI tests (kyverno/kyverno test/cli, main 2026-08-21), replayed through "would it still
 * fail?": every result a test states for a validate rule or ValidatingPolicy, judged without exceptions.
 * `pass` must not come out would-fail and `fail` must not come out would-pass; `unknown` is allowed
 * (counted) where the rule needs what the files do not hold.
 */
const here = dirname(fileURLToPath(import.meta.url));
const ROOT = process.env['KYVERNO_CLI_TESTS'] ?? join(here, 'fixtures/kyverno-upstream/cli');

function* testFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* testFiles(path);
    else if (name === 'kyverno-test.yaml') yield path;
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const docsOf = (path: string): Doc[] =>
  existsSync(path)
    ? parseAllDocuments(readFileSync(path, 'utf8'))
        .map((d) => d.toJS() as unknown)
        .filter((d): d is Doc => typeof d === 'object' && d !== null && !Array.isArray(d))
    : [];

interface Result {
  policy?: string;
  rule?: string;
  resources?: string[];
  resource?: string;
  kind?: string;
  result?: string;
  isValidatingPolicy?: boolean;
}

export interface Replayed {
  test: string;
  policy: string;
  rule: string;
  resource: string;
  expected: string;
  verdict: string;
  why: string;
}

export function replay(root: string): Replayed[] {
  const out: Replayed[] = [];
  for (const file of testFiles(root)) {
    const dir = dirname(file);
    const test = docsOf(file)[0] as Record<string, unknown> | undefined;
    if (!test) continue;
    // Values, user info and exceptions change the outcome in ways these tests do not isolate.
    if (test['variables'] || test['userinfo'] || test['exceptions'] || test['context']) continue;
    const list = (k: string) => (Array.isArray(test[k]) ? (test[k] as string[]) : []);
    const policies = list('policies').flatMap((p) => docsOf(join(dir, p)));
    const resources = list('resources').flatMap((r) => docsOf(join(dir, r)));
    for (const r of (test['results'] ?? []) as Result[]) {
      if (r.result !== 'pass' && r.result !== 'fail') continue;
      const policy = policies.find(
        (p) =>
          p.metadata?.['name'] === r.policy ||
          `${str(p.metadata?.['namespace'])}/${str(p.metadata?.['name'])}` === r.policy,
      ) as PolicyDocument | undefined;
      if (!policy) continue;
      const kind = typeof policy.kind === 'string' ? policy.kind : '';
      if (!['ClusterPolicy', 'Policy', 'ValidatingPolicy', 'NamespacedValidatingPolicy'].includes(kind))
        continue;
      for (const name of r.resources ?? (r.resource ? [r.resource] : [])) {
        const short = name.split('/').pop() ?? name;
        const doc = resources.find(
          (d) => d.metadata?.['name'] === short && (r.kind === undefined || d['kind'] === r.kind),
        );
        if (!doc) continue;
        const namespace = str(doc.metadata?.['namespace']);
        const namespaceObject = resources.find(
          (d) => d['kind'] === 'Namespace' && d.metadata?.['name'] === namespace,
        );
        // The CLI reports a Pod rule's autogen copy under the Pod rule's name.
        const rules =
          (policy.spec as { rules?: { name?: string; validate?: unknown }[] } | undefined)?.rules ?? [];
        const own = rules.find((x) => x.name === r.rule);
        if (!kind.includes('ValidatingPolicy') && !own?.validate) continue;
        const generated = policyRules(policy as never).find(
          (x) =>
            x.rule.startsWith('autogen-') &&
            x.rule.endsWith(`-${r.rule ?? ''}`) &&
            x.kinds.includes(String(doc['kind'])),
        );
        const rule = kind.includes('ValidatingPolicy') ? '' : (generated?.rule ?? r.rule ?? '');
        const v = ruleWithoutException(
          {
            policy,
            rule,
            resource: resourceUnderTest({ ...doc, metadata: { namespace: 'default', ...doc.metadata } }),
          },
          { nowMs: Date.UTC(2026, 7, 21), namespaceObject },
        );
        out.push({
          test: dir.slice(root.length + 1),
          policy: String(r.policy),
          rule: r.rule ?? '',
          resource: name,
          expected: r.result,
          verdict: v.verdict,
          why: v.why,
        });
      }
    }
  }
  return out;
}

describe("Kyverno's CLI tests replayed without exceptions", () => {
  const results = replay(ROOT);
  const contradictions = results.filter(
    (r) =>
      (r.expected === 'pass' && r.verdict === 'would-fail') ||
      (r.expected === 'fail' && r.verdict === 'would-pass'),
  );
  const agreed = results.filter(
    (r) =>
      (r.expected === 'pass' && r.verdict === 'would-pass') ||
      (r.expected === 'fail' && r.verdict === 'would-fail'),
  );

  it('contradicts none of the stated pass/fail results', () => {
    expect(contradictions).toEqual([]);
  });

  it('answers most of them', () => {
    if (process.env['KYVERNO_CLI_REPORT']) console.log(JSON.stringify(results, null, 1));
    expect(agreed.length).toBeGreaterThan(Number(process.env['KYVERNO_CLI_MIN'] ?? 70));
  });
});
