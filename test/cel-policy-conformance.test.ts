import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { coverage, coverageInputs, coverageNotes, policyRules, type Doc } from '../src/domain/coverage.js';

/**
 * Kyverno's own CEL policy exception cases (policies.kyverno.io PolicyException against ValidatingPolicy,
 * ImageValidatingPolicy, GeneratingPolicy and MutatingPolicy), replayed through `coverage` with the
 * policies given: test/fixtures/kyverno/upstream, INDEX.md in test/fixtures/kyverno gives each source.
 * skip ↔ covered (true); pass, fail, admitted or denied by the policy ↔ a row, not covered (false); a
 * resource the policy does not evaluate ↔ no row ('-'). A partial exemption (`images`,
 * `allowedValues`) is no skip: the policy runs with `exceptions.allowedImages`/`allowedValues` bound to
 * what the matching exceptions lend, and its verdict (pass, fail) is a row, not covered.
 */
const root = new URL('fixtures/kyverno/upstream/', import.meta.url);
const CLUSTER_SCOPED = ['Namespace', 'ClusterRole', 'ValidatingPolicy', 'ImageValidatingPolicy'];
const NOT_RESOURCES =
  /^(chainsaw-test|kyverno-test|check-autogen|context|permissions|generated.*|patched.*|validating.*|.*-assert|.*-error|.*exception.*|polic(y|ies).*)\.yaml$/;

function docsOf(folder: string, files: readonly string[], namespace: string): Doc[] {
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(`${folder}/${file}`, root), 'utf8'))
      .map((d) => d.toJS() as Doc | null)
      .filter((d): d is Doc => d !== null && typeof d === 'object')
      .map((d) => {
        // kyverno test puts an object without a namespace in default; chainsaw in its own namespace.
        const kind = String(d['kind']);
        if (CLUSTER_SCOPED.includes(kind) || kind.endsWith('Policy') || d.metadata?.['namespace']) return d;
        return { ...d, metadata: { ...d.metadata, namespace } };
      }),
  );
}

interface Case {
  folder: string;
  /** `Kind/name` → covered, or '-' for no row (the policy does not evaluate it). */
  expected: Record<string, boolean | 'unknown' | '-'>;
  namespace?: string;
  /** What upstream asserts, for the reader. */
  upstream: string;
  /** Notes covers must print (a substring each). */
  notes?: string[];
}

const cs = (path: string) => `conformance/chainsaw/${path}`;

const cases: Case[] = [
  {
    folder: 'cli/test-validating-policy/exceptions-check-deployment-labels',
    namespace: 'default',
    upstream: 'bad-deployment fail, good-deployment pass, skipped-deployment (test-ns) skip',
    expected: {
      'Deployment/bad-deployment': false,
      'Deployment/good-deployment': false,
      'Deployment/skipped-deployment': true,
    },
  },
  {
    folder: 'cli/test-generating-policy/data/with-exceptions',
    namespace: 'default',
    upstream: 'Namespace production pass, staging pass, testing skip',
    expected: { 'Namespace/testing': true, 'Namespace/production': false, 'Namespace/staging': false },
  },
  {
    folder: 'cli/test-generating-policy/clone/with-exceptions',
    namespace: 'default',
    upstream: 'Namespace production pass, staging pass, testing skip',
    expected: { 'Namespace/testing': true, 'Namespace/production': false, 'Namespace/staging': false },
  },
  {
    folder: 'cli/test-image-validating-policy/with-cel-exceptions',
    namespace: 'default',
    upstream: 'test-pod-bad fail, test-pod-good pass, skipped-pod skip',
    expected: { 'Pod/test-pod-bad': false, 'Pod/test-pod-good': false, 'Pod/skipped-pod': true },
  },
  {
    folder: 'cli/test-mutating-policy/exceptions-mutate-deployment',
    namespace: 'default',
    upstream: 'dev/dev-deploy-2 pass (mutated), default/dev-deploy-1 skip',
    expected: { 'Deployment/dev-deploy-1': true, 'Deployment/dev-deploy-2': false },
  },
  {
    folder: cs('validating-policies/exceptions/regular'),
    upstream: 'bad-deployment denied, good-deployment admitted, skipped-deployment admitted (skip)',
    expected: {
      'Deployment/bad-deployment': false,
      'Deployment/good-deployment': false,
      'Deployment/skipped-deployment': true,
    },
  },
  {
    folder: cs('validating-policies/exceptions/exclude-deployments'),
    upstream: 'bad-deployment denied, skipped-deployment admitted',
    expected: { 'Deployment/bad-deployment': false, 'Deployment/skipped-deployment': true },
  },
  {
    folder: cs('validating-policies/exceptions/autogen'),
    upstream:
      'autogen for deployments, cronjobs, statefulsets; bad-* denied, good-* admitted, skipped-* admitted by the exception',
    expected: {
      'Deployment/bad-deployment': false,
      'CronJob/bad-cronjob': false,
      'StatefulSet/bad-statefulset': false,
      'Deployment/good-deployment': false,
      'CronJob/good-cronjob': false,
      'StatefulSet/good-statefulset': false,
      'Deployment/skipped-deployment': true,
      'CronJob/skipped-cronjob': true,
      'StatefulSet/skipped-statefulset': true,
    },
  },
  {
    folder: cs('validating-policies/exceptions/wrong-exception'),
    upstream: 'the exception names not-check-deployment-labels: skipped-deployment denied',
    expected: { 'Deployment/good-deployment': false, 'Deployment/skipped-deployment': false },
    notes: [
      'names policy ValidatingPolicy/not-check-deployment-labels, which is not among the policies given',
    ],
  },
  {
    folder: cs('generate-validating-admission-policy/validatingpolicy/with-cel-exception'),
    upstream:
      'through the generated ValidatingAdmissionPolicy: skipped-deployment admitted, bad-deployment denied',
    expected: { 'Deployment/bad-deployment': false, 'Deployment/skipped-deployment': true },
  },
  {
    folder: cs('generate-validating-admission-policy/validatingpolicy/with-finegrained-exception'),
    upstream:
      'images and allowedValues, through the generated policy: bad-pod denied, skipped-pod and good-pod admitted',
    // upstream: apply bad-pod.yaml expects `($error != null): true`; skipped-pod.yaml, good-pod.yaml apply
    expected: { 'Pod/bad-pod': false, 'Pod/good-pod': false, 'Pod/skipped-pod': false },
  },
  {
    folder: cs('validating-policies/exceptions/exclude-images'),
    upstream: 'images only (a partial exemption): bad-pod denied, skipped-pod-* admitted by the validation',
    // upstream: apply bad-pod.yaml expects `($error != null): true`; apply skipped-pod.yaml succeeds
    expected: {
      'Pod/bad-pod': false,
      'Pod/skipped-pod-1': false,
      'Pod/skipped-pod-2': false,
      'Pod/skipped-pod-3': false,
    },
  },
  {
    folder: cs('validating-policies/exceptions/exclude-images-multiple-cel'),
    upstream: 'images only: bad-pod-* denied, skipped-pod-* admitted by the validations',
    // upstream: apply bad-pod.yaml expects `($error != null): true`; apply skipped-pod.yaml succeeds
    expected: {
      'Pod/bad-pod-1': false,
      'Pod/bad-pod-2': false,
      'Pod/skipped-pod-1': false,
      'Pod/skipped-pod-2': false,
      'Pod/skipped-pod-3': false,
    },
  },
  {
    folder: cs('validating-policies/exceptions/exclude-images-autogen'),
    upstream: 'images only, through autogen: bad-* denied, skipped-* admitted by the validation',
    // upstream: bad-deployment.yaml, bad-cronjob.yaml expect `($error != null): true`; skipped-* apply
    expected: {
      'Deployment/bad-deployment': false,
      'CronJob/bad-cronjob': false,
      'Deployment/skipped-deployment': false,
      'CronJob/skipped-cronjob': false,
    },
  },
  {
    folder: cs('validating-policies/exceptions/allow-specific-values'),
    upstream: 'images and allowedValues: bad-pod denied, good-pod and skipped-pod admitted by the validation',
    // upstream: apply bad-pod.yaml expects `($error != null): true`; skipped-pod.yaml, good-pod.yaml apply
    expected: { 'Pod/bad-pod': false, 'Pod/good-pod': false, 'Pod/skipped-pod': false },
  },
  ...['with-exception', 'with-exception-pass-result', 'with-exception-skip-result'].map((c) => ({
    folder: cs(`validating-policies/report/${c}`),
    upstream: 'report: bad-deployment-1 fail; skipped-deployment skip (or pass with reportResult: pass)',
    expected: { 'Deployment/bad-deployment-1': false, 'Deployment/skipped-deployment': true },
  })),
  {
    folder: cs('image-validating-policies/exceptions/regular'),
    upstream: 'test-pod-bad denied, test-pod-good admitted, skipped-pod admitted',
    expected: { 'Pod/test-pod-bad': false, 'Pod/test-pod-good': false, 'Pod/skipped-pod': true },
  },
  {
    folder: cs('image-validating-policies/exceptions/autogen'),
    upstream:
      'autogen for deployments, cronjobs, statefulsets: bad-* denied, good-* admitted, skipped-* skip',
    expected: {
      'Deployment/bad-deployment': false,
      'CronJob/bad-cronjob': false,
      'StatefulSet/bad-statefulset': false,
      'Deployment/good-deployment': false,
      'CronJob/good-cronjob': false,
      'StatefulSet/good-statefulset': false,
      'Deployment/skipped-deployment': true,
      'CronJob/skipped-cronjob': true,
      'StatefulSet/skipped-statefulset': true,
    },
  },
  {
    folder: cs('image-validating-policies/exceptions/wrong-exception'),
    upstream: 'the exception names not-ivpol-sample: skipped-deployment denied',
    expected: { 'Deployment/good-deployment': false, 'Deployment/skipped-deployment': false },
    notes: ['names policy ImageValidatingPolicy/not-ivpol-sample, which is not among the policies given'],
  },
  {
    folder: cs('image-validating-policies/report/with-exception'),
    upstream: 'report: bad-deployment fail, skipped-deployment skip',
    expected: { 'Deployment/bad-deployment': false, 'Deployment/skipped-deployment': true },
  },
  {
    folder: cs('cli/apply/apply-ivps-in-cluster-mode-with-polex'),
    upstream: 'kyverno apply: pass 1 (good), fail 1 (bad), skip 1 (skipped-statefulset)',
    expected: {
      'StatefulSet/good-statefulset': false,
      'StatefulSet/bad-statefulset': false,
      'StatefulSet/skipped-statefulset': true,
    },
  },
  ...['clone-generate-secrets', 'data-generate-cm'].map((c) => ({
    folder: cs(`generating-policies/exceptions/${c}`),
    upstream: 'nothing generated in testing (skip), generated in production and staging',
    expected: { 'Namespace/testing': true, 'Namespace/production': false, 'Namespace/staging': false },
  })),
  {
    folder: cs('generating-policies/exceptions/allowed-images'),
    upstream:
      "images only, read by the policy's own matchConditions: good-resource generates, bad-resource does not",
    // upstream: "check that the configmap is not generated for the bad resource pod" (error), "… is generated … for the good resource pod" (assert)
    expected: {
      'Namespace/exceptions-allowed-images': '-',
      'Pod/good-resource': false,
      'Pod/bad-resource': '-',
    },
  },
  {
    folder: cs('generating-policies/reports/with-exceptions'),
    upstream: 'report: production-1 pass, testing-1 skip',
    expected: { 'Namespace/production-1': false, 'Namespace/testing-1': true },
  },
  {
    folder: cs('generating-policies/reports/with-exception-skip-result'),
    upstream: 'report: testing-2 skip',
    expected: { 'Namespace/production-2': false, 'Namespace/testing-2': true },
  },
  {
    folder: cs('generating-policies/reports/with-exception-pass-result'),
    upstream: 'report: testing-3 pass through the exception (reportResult: pass)',
    expected: { 'Namespace/production-3': false, 'Namespace/testing-3': true },
  },
  {
    folder: cs('mutating-policies/exceptions/regular'),
    upstream: 'good-deployment mutated, skipped-deployment left alone',
    expected: { 'Deployment/good-deployment': false, 'Deployment/skipped-deployment': true },
  },
  ...['with-exceptions', 'with-exception-skip-result'].map((c) => ({
    folder: cs(`mutating-policies/reporting/${c}`),
    upstream: 'report: good-deployment pass, skipped-deployment skip',
    expected: { 'Deployment/good-deployment': false, 'Deployment/skipped-deployment': true },
  })),
  {
    folder: cs('mutating-policies/reporting/with-exception-pass-result'),
    upstream: 'report: skipped-deployment pass through the exception',
    expected: { 'Deployment/skipped-deployment': true },
  },
  {
    folder: cs('mutating-policies/autogen/polex'),
    upstream:
      'autogen for deployments only, in namespace autogen-applyconfiguration: dev-deploy left alone, test-deploy mutated; the StatefulSet and the Deployment elsewhere untouched',
    namespace: 'chainsaw-ns',
    expected: {
      'Deployment/dev-deploy': true,
      'Deployment/test-deploy': false,
      'Deployment/prod-deploy': '-',
      'StatefulSet/prod-deploy': '-',
    },
  },
  {
    folder: cs('mutating-policies/exceptions/exclude-images'),
    upstream: "images only, read by the policy's own matchConditions: good-pod mutated, skipped-pod not",
    // upstream: create good-pod.yaml, assert good-pod-assert.yaml (foo: bar); apply skipped-pod.yaml, no assert
    expected: { 'Pod/good-pod': false, 'Pod/skipped-pod': '-' },
  },
];

const NOW = Date.parse('2026-11-30T00:00:00Z');

describe("Kyverno's CEL policy exception cases, replayed through covers with the policies given", () => {
  it.each(cases)('$folder: $upstream', (c) => {
    const namespace = c.namespace ?? 'chainsaw-ns';
    const files = readdirSync(new URL(`${c.folder}/`, root)).filter((f) => f.endsWith('.yaml'));
    const policyFiles = files.filter((f) => /^polic(y|ies)/.test(f));
    const exceptionFiles = files.filter((f) => f.includes('exception'));
    const resourceFiles = files.filter((f) => !NOT_RESOURCES.test(f));
    const { policies } = coverageInputs(docsOf(c.folder, policyFiles, namespace));
    const { exceptions } = coverageInputs(docsOf(c.folder, exceptionFiles, namespace));
    const { resources, namespaceLabels } = coverageInputs(docsOf(c.folder, resourceFiles, namespace));
    expect(policies.length).toBeGreaterThan(0);
    expect(exceptions.length).toBeGreaterThan(0);
    const items = coverage(exceptions, resources, policies.flatMap(policyRules), {
      namespaceLabels,
      nowMs: NOW,
    });
    const rows = Object.fromEntries(
      items.map((i) => [`${i.resource.kind}/${i.resource.name}`, i.covered] as const),
    );
    const expected = Object.fromEntries(Object.entries(c.expected).filter(([, v]) => v !== '-'));
    expect(rows).toEqual(expected);
    const notes = coverageNotes(policies, exceptions);
    expect(notes).toEqual((c.notes ?? []).map((n) => expect.stringContaining(n) as unknown));
  });
});
