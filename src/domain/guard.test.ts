import { evaluate } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';
import { defaultGuardOptions, renderGuard } from './guard.js';
import { defaultSettings } from './settings.js';

const [policy, binding] = renderGuard(defaultGuardOptions(defaultSettings)) as [any, any];
const rule = policy.spec.matchConstraints.resourceRules[0];
const validation = policy.spec.validations[0];

/** What the API server does: match the request to the policy's rules, then evaluate its CEL. */
function admit(request: { group: string; resource: string; operation: string; username: string }) {
  const matched =
    rule.apiGroups.includes(request.group) &&
    rule.resources.includes(request.resource) &&
    rule.operations.includes(request.operation);
  if (!matched) return 'untouched';
  const vars = { request: { operation: request.operation, userInfo: { username: request.username } } };
  return evaluate(validation.expression, vars) === true
    ? 'allowed'
    : `refused: ${evaluate(validation.messageExpression, vars)}`;
}

const waiver = 'system:serviceaccount:waiver:waiver';
const cleanup = 'system:serviceaccount:kyverno:kyverno-cleanup-controller';

describe('the guard: PolicyExceptions written by Waiver only', () => {
  it("lets Waiver's ServiceAccount create, change and delete exceptions of both kinds", () => {
    for (const group of ['kyverno.io', 'policies.kyverno.io'])
      for (const operation of ['CREATE', 'UPDATE', 'DELETE'])
        expect(admit({ group, resource: 'policyexceptions', operation, username: waiver })).toBe('allowed');
  });

  it('refuses a person, with a message that says how to request one instead', () => {
    for (const operation of ['CREATE', 'UPDATE', 'DELETE']) {
      const answer = admit({
        group: 'kyverno.io',
        resource: 'policyexceptions',
        operation,
        username: 'alice@example.com',
      });
      expect(answer).toBe(
        `refused: PolicyExceptions go through review: alice@example.com may not ${operation} one directly. Request it with waiver request (or kubectl waiver request), and it is applied once approved.`,
      );
    }
    expect(
      admit({
        group: 'policies.kyverno.io',
        resource: 'policyexceptions',
        operation: 'CREATE',
        username: 'system:serviceaccount:ci:deployer',
      }),
    ).toMatch(/^refused/);
  });

  it("lets Kyverno's cleanup controller delete, and nothing else", () => {
    expect(
      admit({ group: 'kyverno.io', resource: 'policyexceptions', operation: 'DELETE', username: cleanup }),
    ).toBe('allowed');
    expect(
      admit({ group: 'kyverno.io', resource: 'policyexceptions', operation: 'UPDATE', username: cleanup }),
    ).toMatch(/^refused/);
  });

  it('leaves other kinds alone, and binds the policy to deny', () => {
    expect(admit({ group: '', resource: 'configmaps', operation: 'CREATE', username: 'alice' })).toBe(
      'untouched',
    );
    expect(
      admit({ group: 'kyverno.io', resource: 'clusterpolicies', operation: 'CREATE', username: 'alice' }),
    ).toBe('untouched');
    expect(binding.spec).toEqual({ policyName: policy.metadata.name, validationActions: ['Deny'] });
    expect(policy.spec.failurePolicy).toBe('Fail');
  });

  it('quotes the ServiceAccounts it is given into the CEL', () => {
    const [custom] = renderGuard({ waiverServiceAccount: "tools:wai'ver", cleanupServiceAccount: 'k:c' }) as [
      any,
    ];
    const allowed = evaluate(custom.spec.validations[0].expression, {
      request: { operation: 'CREATE', userInfo: { username: "system:serviceaccount:tools:wai'ver" } },
    });
    expect(allowed).toBe(true);
  });
});
