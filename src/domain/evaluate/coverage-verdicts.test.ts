import { describe, expect, it } from 'vitest';
import type { CoverageItem } from '../coverage.js';
import { exemptionLine, exemptionSummary, withVerdicts } from './coverage-verdicts.js';
import type { WithoutException } from './rule-verdict.js';

const item = (
  name: string,
  verdict: WithoutException | undefined,
  kind = 'Pod',
  rule = 'r',
  covered: CoverageItem['covered'] = true,
): CoverageItem => ({
  resource: { apiVersion: 'v1', kind, namespace: 'web', name },
  policy: 'p',
  rule,
  covered,
  exceptions: ['kyverno/e'],
  why: '',
  ...(verdict ? { withoutException: { verdict, why: '' } } : {}),
});

describe('the exemption summary', () => {
  it('counts a resource as already passing only when every covered rule would pass', () => {
    const summary = exemptionSummary([
      item('a', 'would-pass'),
      item('a', 'would-fail', 'Pod', 'r2'),
      item('b', 'would-pass'),
      item('c', 'unknown'),
      item('d', 'would-fail'),
      item('e', 'would-fail', 'Pod', 'r', false),
    ]);
    expect(summary).toEqual({ resources: 4, alreadyPass: 1, stillFail: 2, unknown: 1, noun: 'pod' });
    expect(summary && exemptionLine(summary)).toBe('exempts 4 pods; 1 of them already passes, 1 unknown');
  });

  it('speaks of one resource, several kinds, and nothing judged', () => {
    const one = exemptionSummary([item('a', 'would-pass', 'Deployment')]);
    expect(one && exemptionLine(one)).toBe('exempts 1 deployment; it already passes');
    const mixed = exemptionSummary([item('a', 'would-fail', 'Deployment'), item('b', 'would-fail')]);
    expect(mixed && exemptionLine(mixed)).toBe('exempts 2 resources; 0 of them already pass');
    const ingress = exemptionSummary([
      item('a', 'would-pass', 'Ingress'),
      item('b', 'would-pass', 'Ingress'),
    ]);
    expect(ingress && exemptionLine(ingress)).toBe('exempts 2 ingresses; 2 of them already pass');
    expect(exemptionSummary([item('a', undefined)])).toBeUndefined();
  });

  it('judges only covered items whose policy and resource are given', () => {
    const policy = {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'p' },
      spec: { rules: [{ name: 'r', validate: { pattern: { spec: { hostNetwork: false } } } }] },
    };
    const object = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'a', namespace: 'web' },
      spec: { hostNetwork: true },
    };
    const resource = { apiVersion: 'v1', kind: 'Pod', name: 'a', namespace: 'web', object };
    const { items } = withVerdicts(
      [item('a', undefined), item('b', undefined), item('a', undefined, 'Pod', 'r', false)],
      {
        policies: [policy],
        resources: [resource],
      },
    );
    expect(items.map((i) => i.withoutException?.verdict)).toEqual(['would-fail', undefined, undefined]);
    expect(
      withVerdicts([item('a', undefined)], { policies: [], resources: [resource] }).items[0]
        ?.withoutException,
    ).toBeUndefined();
  });
});
