import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { activeRecord } from '../../test/support/records.js';
import type { ExceptionRecord } from './exception.js';
import type { CelPolicyExceptionManifest, ExceptionManifest } from './manifest.js';
import { manifestToYaml, renderManifest } from './render.js';
import { defaultSettings } from './settings.js';
import { planImport, type Adoption, type ImportContext } from './import-plan.js';
import type { ObservedException } from './observed.js';
import { DAY_MS, toRfc3339 } from './time.js';

const nowMs = Date.parse('2026-12-01T09:00:00Z');
const ctx: ImportContext = {
  exceptionNamespace: 'policy-exceptions',
  maxDays: 30,
  apiVersion: 'kyverno.io/v2',
  target: 'folder',
  importer: 'carol',
  nowMs,
  nameTaken: false,
};
const spec = (policies = ['require-image-signature']) => ({
  exceptions: policies.map((policyName) => ({ policyName, ruleNames: ['check-image-signature'] })),
  match: { any: [{ resources: { kinds: ['Pod'], namespaces: ['payments'], names: ['hotfix-*'] } }] },
});
const found = (overrides: Partial<ObservedException> = {}): ObservedException => ({
  apiVersion: 'kyverno.io/v2',
  namespace: 'policy-exceptions',
  name: 'hotfix',
  uid: 'u-1',
  labels: {},
  annotations: {},
  spec: spec(),
  ...overrides,
});

describe('planning an import', () => {
  it('refuses what Kyverno would not read, cannot be read, excepts several policies, or clashes', () => {
    expect(planImport(found({ namespace: 'payments' }), ctx)).toEqual({
      refused: 'Kyverno reads exceptions only from policy-exceptions; move it there or delete it',
    });
    expect(planImport(found({ spec: { exceptions: 'all' } }), ctx)).toMatchObject({
      refused: expect.stringMatching(/^not a PolicyException Waiver can read/),
    });
    expect(planImport(found({ spec: spec(['a', 'b']) }), ctx)).toEqual({
      refused: 'it excepts 2 policies; split it into one per policy first',
    });
    expect(planImport(found(), { ...ctx, nameTaken: true })).toEqual({
      refused: 'a live exception is already named hotfix',
    });
  });

  it('adopts a bare exception as active for at most 30 days, saying what it lacked', () => {
    const plan = planImport(found(), ctx) as Adoption;
    expect(plan.lacks).toEqual(['expiry', 'category', 'ticket', 'justification', 'requestor']);
    expect(plan.originalExpiry).toBeNull();
    expect(plan.record).toMatchObject({
      name: 'hotfix',
      namespaces: ['payments'],
      names: ['hotfix-*'],
      state: 'active',
      syncStatus: 'pending',
      requestor: 'unknown',
      approver: 'carol',
      applier: 'carol',
      appliedAt: toRfc3339(nowMs),
      expiresAt: toRfc3339(nowMs + 30 * DAY_MS),
    });
  });

  it('keeps a stated expiry within the limit, and caps one beyond it', () => {
    const condition = (at: number) => ({
      key: `{{ time_before('{{ time_now_utc() }}', '${toRfc3339(at)}') }}`,
      operator: 'Equals',
      value: true,
    });
    const stated = (at: number) =>
      planImport(found({ spec: { ...spec(), conditions: { all: [condition(at)] } } }), ctx) as Adoption;
    expect(stated(nowMs + 5 * DAY_MS).record.expiresAt).toBe(toRfc3339(nowMs + 5 * DAY_MS));
    const far = stated(nowMs + 90 * DAY_MS);
    expect(far.record.expiresAt).toBe(toRfc3339(nowMs + 30 * DAY_MS));
    expect(far.originalExpiry).toBe(toRfc3339(nowMs + 90 * DAY_MS));
    expect(far.lacks).not.toContain('expiry');
  });

  it('adopts its podSecurity entries with it, so the record exempts no more than the object did', () => {
    const podSecurity = [
      {
        controlName: 'Capabilities',
        images: ['legacy/*'],
        restrictedField: 'spec.containers[*].securityContext.capabilities.add',
        values: ['NET_ADMIN'],
      },
      { controlName: 'Seccomp' },
    ];
    const plan = planImport(found({ spec: { ...spec(), podSecurity } }), ctx) as Adoption;
    expect(plan.record.podSecurity).toEqual([
      podSecurity[0],
      { controlName: 'Seccomp', images: [], restrictedField: null, values: [] },
    ]);
    expect((planImport(found(), ctx) as Adoption).record.podSecurity).toEqual([]);
  });
});

/** What a target lists for a manifest Waiver wrote: the YAML read back, as a folder or cluster holds it. */
function observe(manifest: ExceptionManifest): ObservedException {
  const read = parse(manifestToYaml(manifest)) as ExceptionManifest;
  return {
    apiVersion: read.apiVersion,
    namespace: read.metadata.namespace ?? '',
    name: read.metadata.name,
    uid: 'u-1',
    labels: read.metadata.labels ?? {},
    annotations: read.metadata.annotations ?? {},
    spec: read.spec,
  };
}

/** Renders a record, imports the manifest as the record's approver, and renders the adopted record. */
function roundTrip(record: ExceptionRecord): { first: string; second: string; plan: Adoption } {
  const first = renderManifest(record, defaultSettings);
  const plan = planImport(observe(first), { ...ctx, importer: record.approver ?? '' }) as Adoption;
  expect(plan).not.toHaveProperty('refused');
  const adopted: ExceptionRecord = { ...plan.record, id: record.id, version: record.version };
  return {
    first: manifestToYaml(first),
    second: manifestToYaml(renderManifest(adopted, defaultSettings)),
    plan,
  };
}

const TEAM = 'has(object.metadata.labels) && "team" in object.metadata.labels';
const NO_HOST_PATH = `!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath)) || object.metadata.name == "it's \\"quoted\\""`;
const cel = (overrides: Partial<ExceptionRecord> = {}): ExceptionRecord =>
  activeRecord({
    id: 7,
    expiresAt: '2026-12-20T08:30:00Z',
    approver: 'carol',
    policy: 'ValidatingPolicy/require-team-label',
    rules: [],
    kinds: ['Pod', 'Deployment'],
    names: ['payments-api-*', 'job.v?-x', 'a+b[c]'],
    apiVersion: 'policies.kyverno.io/v1',
    ...overrides,
  });

describe('render, import, render', () => {
  const kyverno = (overrides: Partial<ExceptionRecord> = {}) =>
    activeRecord({ id: 7, expiresAt: '2026-12-20T08:30:00Z', approver: 'carol', ...overrides });

  it.each([
    ['kyverno.io/v2', kyverno()],
    ['kyverno.io/v2beta1', kyverno({ apiVersion: 'kyverno.io/v2beta1' })],
    [
      'kyverno.io with podSecurity',
      kyverno({
        podSecurity: [
          { controlName: 'Capabilities', images: ['legacy/*'], restrictedField: null, values: [] },
          { controlName: 'Seccomp', images: [], restrictedField: null, values: [] },
        ],
      }),
    ],
    ['CEL without validations', cel()],
    ['CEL with validations', cel({ validations: [TEAM, NO_HOST_PATH] })],
    [
      'CEL v1beta1 with images',
      cel({ apiVersion: 'policies.kyverno.io/v1beta1', images: ['ghcr.io/acme/*'] }),
    ],
    ['CEL with allowedValues and a validation', cel({ allowedValues: ['NET_ADMIN'], validations: [TEAM] })],
  ])('gives the same manifest for %s, lacking nothing', (_, record) => {
    const { first, second, plan } = roundTrip(record);
    expect(second).toBe(first);
    expect(plan.lacks).toEqual([]);
    expect(plan.record.validations).toEqual(record.validations);
  });

  it('reads waiver-validation-N back as the validations, in order', () => {
    const { plan } = roundTrip(cel({ validations: [TEAM, NO_HOST_PATH] }));
    expect(plan.record).toMatchObject({
      policy: 'ValidatingPolicy/require-team-label',
      rules: [],
      kinds: ['Pod', 'Deployment'],
      namespaces: ['payments'],
      names: ['payments-api-*', 'job.v?-x', 'a+b[c]'],
      validations: [TEAM, NO_HOST_PATH],
      apiVersion: 'policies.kyverno.io/v1',
      ticket: 'SEC-42',
      category: 'vendor-image',
      requestor: 'alice',
    });
  });
});

describe('importing a CEL PolicyException', () => {
  const withConditions = (conditions: { name: string; expression: string }[]) => {
    const manifest = renderManifest(cel(), defaultSettings) as CelPolicyExceptionManifest;
    return observe({ ...manifest, spec: { ...manifest.spec, matchConditions: conditions } });
  };
  const [scope = { name: '', expression: '' }] =
    (renderManifest(cel(), defaultSettings) as CelPolicyExceptionManifest).spec.matchConditions ?? [];
  const refusal = (conditions: { name: string; expression: string }[]) =>
    (planImport(withConditions(conditions), ctx) as { refused: string }).refused;

  it('refuses a waiver-validation-N that does not compile as a validation, by name and field', () => {
    expect(
      refusal([
        scope,
        { name: 'waiver-validation-0', expression: TEAM },
        { name: 'waiver-validation-1', expression: '1 + 1' },
      ]),
    ).toMatch(/^spec\.matchConditions\.2\.expression: waiver-validation-1 "1 \+ 1" gives int, not bool/);
    expect(refusal([scope, { name: 'waiver-validation-0', expression: 'nosuchvar.x' }])).toMatch(
      /^spec\.matchConditions\.1\.expression: waiver-validation-0 "nosuchvar\.x" does not compile/,
    );
    expect(refusal([scope, { name: 'waiver-validation-0', expression: '"{{ x }}" == "a"' }])).toMatch(
      /^spec\.matchConditions\.1\.expression: waiver-validation-0 ""\{\{ x \}\}" == "a"" must not contain "\{\{"/,
    );
  });

  it('refuses validations out of order, conditions Waiver does not write, and a scope it did not write', () => {
    expect(refusal([scope, { name: 'waiver-validation-1', expression: TEAM }])).toMatch(
      /^spec\.matchConditions\.1\.name: waiver-validation-1 is out of order: expected waiver-validation-0/,
    );
    expect(refusal([scope, { name: 'team', expression: TEAM }])).toMatch(
      /^spec\.matchConditions\.1\.name: match condition "team" is not one Waiver writes/,
    );
    expect(refusal([{ name: 'waiver-scope', expression: `${scope.expression} || true` }])).toMatch(
      /^spec\.matchConditions\.0\.expression: waiver-scope is not a scope Waiver wrote/,
    );
    expect(refusal([])).toMatch(/^spec\.matchConditions: no waiver-scope match condition/);
    expect(refusal([])).toMatch(
      /request it anew \(--api-version policies\.kyverno\.io\/v1 --policy ValidatingPolicy\/require-team-label\)/,
    );
  });

  it('refuses a CEL exception for no policy, several, or one that is not a CEL policy', () => {
    const manifest = renderManifest(cel(), defaultSettings) as CelPolicyExceptionManifest;
    const refs = [
      { kind: 'ValidatingPolicy', name: 'a' },
      { kind: 'ValidatingPolicy', name: 'b' },
    ];
    const withRefs = (policyRefs: { kind: string; name: string }[]) =>
      planImport(observe({ ...manifest, spec: { ...manifest.spec, policyRefs } }), ctx);
    expect(withRefs(refs)).toEqual({ refused: expect.stringMatching(/^it refers to 2 policies/) });
    expect(withRefs([])).toEqual({ refused: expect.stringMatching(/^it refers to 0 policies/) });
    expect(withRefs([{ kind: 'ClusterPolicy', name: 'a' }])).toEqual({
      refused: expect.stringMatching(
        /^spec\.policyRefs\.0: ClusterPolicy\/a is not a CEL policy as Kind\/name/,
      ),
    });
  });
});
