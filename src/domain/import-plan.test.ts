import { describe, expect, it } from 'vitest';
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
