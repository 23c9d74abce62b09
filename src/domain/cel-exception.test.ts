import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { activeRecord } from '../../test/support/records.js';
import { celExceptionCovers } from './cel-match.js';
import { wildcardToRe2 } from './cel-exception.js';
import { checkRequest } from './guardrails.js';
import { lintText, type Finding } from './lint.js';
import type { CelPolicyExceptionManifest } from './manifest.js';
import { manifestToYaml, renderManifest } from './render.js';
import { defaultSettings } from './settings.js';

const nowMs = Date.parse('2026-12-01T00:00:00Z');
const record = activeRecord({
  id: 7,
  apiVersion: 'policies.kyverno.io/v1',
  policy: 'ImageValidatingPolicy/check-images',
  rules: [],
  kinds: ['Deployment', 'Pod'],
  names: ['payments-api-*', 'batch?'],
});
const manifest = renderManifest(record, defaultSettings) as CelPolicyExceptionManifest;
const rulesOf = (findings: Finding[]) => findings.map((f) => f.rule);
const pod = (metadata: Record<string, string>, kind = 'Pod') => {
  const object = { apiVersion: 'v1', kind, metadata: { namespace: 'payments', ...metadata } };
  return { apiVersion: 'v1', kind, name: metadata['name'] ?? '', namespace: 'payments', object };
};

describe('the CEL PolicyException (policies.kyverno.io)', () => {
  it('renders policyRefs, one scope condition, expiresAt and the justification as properties', () => {
    expect(manifest.apiVersion).toBe('policies.kyverno.io/v1');
    expect(manifest.spec.policyRefs).toEqual([{ name: 'check-images', kind: 'ImageValidatingPolicy' }]);
    expect(manifest.spec.expiresAt).toBe(record.expiresAt);
    expect(manifest.spec.properties).toEqual({
      ticket: 'SEC-42',
      category: 'vendor-image',
      requestor: 'alice',
      approver: 'bob',
      'waiver-id': 'EX-7',
    });
    expect(manifest.metadata.labels).toMatchObject({ 'waiver.io/exception-id': 'EX-7' });
    // The YAML round-trips and lints clean.
    const yaml = manifestToYaml(manifest);
    expect(parse(yaml)).toEqual(manifest);
    expect(lintText(yaml, 'x.yaml', nowMs, defaultSettings)).toEqual([]);
  });

  it('matches with its own CEL as the kyverno.io exception would: names, generateName, kinds, namespaces', () => {
    const covers = (r: ReturnType<typeof pod>, policy = 'ImageValidatingPolicy/check-images') =>
      celExceptionCovers(manifest.spec, policy, r, nowMs).covered;
    expect(covers(pod({ name: 'payments-api-1' }))).toBe(true);
    expect(covers(pod({ name: 'payments-api-1' }, 'Deployment'))).toBe(true);
    expect(covers(pod({ name: 'batch1' }))).toBe(true);
    expect(covers(pod({ name: 'batch12' }))).toBe(false);
    expect(covers(pod({ generateName: 'payments-api-7d9f-' }))).toBe(true);
    expect(covers(pod({ name: 'payments-web-1' }))).toBe(false);
    expect(covers(pod({ name: 'payments-api-1' }, 'ConfigMap'))).toBe(false);
    expect(covers(pod({ name: 'payments-api-1', namespace: 'web' }))).toBe(false);
    expect(covers(pod({ name: 'payments-api-1' }), 'ValidatingPolicy/check-images')).toBe(false);
    // expiresAt is honoured at admission.
    expect(
      celExceptionCovers(
        manifest.spec,
        'ImageValidatingPolicy/check-images',
        pod({ name: 'payments-api-1' }),
        Date.parse(record.expiresAt),
      ).covered,
    ).toBe(false);
  });

  it('turns wildcards into anchored RE2, every other character literal', () => {
    expect(wildcardToRe2('a.b*')).toBe('^a\\.b.*$');
    expect(wildcardToRe2('x?(y)')).toBe('^x.\\(y\\)$');
  });

  it("lints Kyverno's own CEL exception (#26) as a CEL exception, not a kyverno.io one", () => {
    const text = readFileSync(
      new URL('../../test/fixtures/kyverno/cli-ivpol-cel-exception-contrast/exception.yaml', import.meta.url),
      'utf8',
    );
    const rules = rulesOf(lintText(text, 'x.yaml', nowMs, defaultSettings));
    expect(rules).toEqual(expect.arrayContaining(['api-version', 'expiry-missing']));
    expect(rules).not.toContain('match-empty');
    expect(rules).not.toContain('match-conditions-missing');
  });

  it.each([
    ['match-condition-invalid', { matchConditions: [{ name: 'x', expression: 'object.metadata.name ==' }] }],
    ['match-conditions-missing', { matchConditions: [] }],
    ['policy-refs-missing', { policyRefs: [] }],
    ['policy-ref-kind', { policyRefs: [{ name: 'require-image-signature', kind: 'ClusterPolicy' }] }],
    ['expiry-unparseable', { expiresAt: '2026-12-10' }],
    ['expiry-too-far', { expiresAt: '2027-03-01T00:00:00Z' }],
    ['expiry-past', { expiresAt: '2026-11-01T00:00:00Z' }],
  ])('reports %s', (rule, spec) => {
    const bad = { ...manifest, spec: { ...manifest.spec, ...spec } };
    expect(rulesOf(lintText(manifestToYaml(bad), 'x.yaml', nowMs, defaultSettings))).toContain(rule);
  });

  it("reports what Kyverno's webhook refuses: a CEL exception without policyRefs (upstream empty-policy-ref)", () => {
    const upstream = readFileSync(
      new URL(
        '../../test/fixtures/kyverno/upstream/conformance/chainsaw/validating-policies/exceptions/empty-policy-ref/exception.yaml',
        import.meta.url,
      ),
      'utf8',
    );
    const findings = lintText(upstream, 'exception.yaml', nowMs, defaultSettings);
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.rule)).toContain(
      'policy-refs-missing',
    );
  });

  it('takes a namespaced CEL policy kind in policyRefs as a CEL policy', () => {
    const namespaced = {
      ...manifest,
      spec: { ...manifest.spec, policyRefs: [{ name: 'labels', kind: 'NamespacedValidatingPolicy' }] },
    };
    expect(rulesOf(lintText(manifestToYaml(namespaced), 'x.yaml', nowMs, defaultSettings))).not.toContain(
      'policy-ref-kind',
    );
  });

  it('guards the policy reference and rules by the API a request is written in', () => {
    const ctx = (
      policy: string,
      apiVersion: 'policies.kyverno.io/v1' | 'kyverno.io/v2',
      rules: string[] = [],
    ) =>
      checkRequest({
        scope: { ...record, policy, rules },
        justification: record,
        nowMs: Date.parse('2026-11-20T00:00:00Z'),
        settings: defaultSettings,
        apiVersion,
      }).map((i) => i.code);
    expect(ctx('ImageValidatingPolicy/check-images', 'policies.kyverno.io/v1')).toEqual([]);
    expect(ctx('require-image-signature', 'policies.kyverno.io/v1')).toContain('policy-format');
    expect(ctx('ImageValidatingPolicy/check-images', 'kyverno.io/v2', ['r'])).toContain('policy-format');
    expect(ctx('ImageValidatingPolicy/check-images', 'policies.kyverno.io/v1', ['r'])).toContain('rules-cel');
  });
});
