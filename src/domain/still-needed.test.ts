import { describe, expect, it } from 'vitest';
import { resourceUnderTest } from './coverage.js';
import type { ExceptionSpec } from './exception-match.js';
import { notKnown, wouldFail, wouldPass, type RuleUnderTest } from './evaluate/rule-verdict.js';
import { stillNeeded, type ExceptionToCheck } from './still-needed.js';

const policy = {
  kind: 'ClusterPolicy',
  metadata: { name: 'p' },
  spec: { rules: [{ name: 'r', match: { any: [{ resources: { kinds: ['Pod'] } }] } }] },
};

const exception = (key: number, names: string[]): ExceptionToCheck => ({
  key,
  policy: 'p',
  namespaces: ['payments'],
  names,
  exception: {
    namespace: 'policy-exceptions',
    name: `ex-${key}`,
    spec: {
      exceptions: [{ policyName: 'p', ruleNames: ['r'] }],
      match: { any: [{ resources: { kinds: ['Pod'], namespaces: ['payments'], names } }] },
    } satisfies ExceptionSpec,
  },
});

const pod = (name: string, verdict: string) =>
  resourceUnderTest({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'payments', labels: { verdict } },
  });

/** Each pod's verdict is its label: what an evaluator would say, without the evaluator. */
function byLabel(calls: string[]) {
  return (test: RuleUnderTest) => {
    calls.push(test.resource.name);
    const v = test.resource.labels?.['verdict'];
    if (v === 'throw') throw new Error('odd input');
    return v === 'pass' ? wouldPass('ok') : v === 'fail' ? wouldFail('fails') : notKnown('cannot tell');
  };
}

const run = (exceptions: ExceptionToCheck[], pods: ReturnType<typeof pod>[], incomplete?: string) => {
  const calls: string[] = [];
  const result = stillNeeded({
    exceptions,
    resources: pods,
    policies: new Map([['p', policy]]),
    nowMs: 0,
    incomplete,
    evaluate: byLabel(calls),
  });
  return { result, calls };
};

describe('is an exception still needed', () => {
  it('flags one whose every covered resource would pass, and only those it covers count', () => {
    const { result } = run(
      [exception(1, ['a-*'])],
      [pod('a-1', 'pass'), pod('a-2', 'pass'), pod('b-1', 'fail')],
    );
    const one = result.get(1);
    expect(one?.noLongerNeeded).toBe(true);
    expect(one?.resources.map((r) => `${r.resource.name} ${r.verdict}`)).toEqual([
      'a-1 would-pass',
      'a-2 would-pass',
    ]);
    expect(one?.why).toBe('every resource it covers (2) would pass p without it: revoke it');
  });

  it('keeps one with a resource that would fail, one unknown, none covered, or an incomplete read', () => {
    const { result } = run(
      [exception(1, ['f-*']), exception(2, ['u-*']), exception(3, ['none-*']), exception(4, ['t-*'])],
      [
        pod('f-1', 'pass'),
        pod('f-2', 'fail'),
        pod('u-1', 'pass'),
        pod('u-2', 'unknown'),
        pod('t-1', 'throw'),
      ],
    );
    expect(result.get(1)).toMatchObject({
      noLongerNeeded: false,
      why: '1 of the 2 resource(s) it covers would fail p without it',
    });
    expect(result.get(2)?.noLongerNeeded).toBe(false);
    expect(result.get(2)?.why).toContain('is unknown');
    expect(result.get(3)).toMatchObject({
      noLongerNeeded: false,
      why: 'it covers no resource in the cluster now',
    });
    // An evaluator that throws is an unknown naming the error, never a crash of the pass.
    expect(result.get(4)?.resources[0]).toMatchObject({
      verdict: 'unknown',
      why: 'the rule could not be evaluated: odd input',
    });
    const partial = run([exception(1, ['a-*'])], [pod('a-1', 'pass')], 'the read was truncated').result.get(
      1,
    );
    expect(partial?.noLongerNeeded).toBe(false);
    expect(partial?.why).toContain('the read was truncated');
  });

  it('evaluates a resource covered by several exceptions once, and a policy not in the cluster is unknown', () => {
    const { result, calls } = run([exception(1, ['a-*']), exception(2, ['a-1'])], [pod('a-1', 'pass')]);
    expect(calls).toEqual(['a-1']);
    expect(result.get(1)?.noLongerNeeded).toBe(true);
    expect(result.get(2)?.noLongerNeeded).toBe(true);
    const absent = stillNeeded({
      exceptions: [exception(1, ['a-*'])],
      resources: [pod('a-1', 'pass')],
      policies: new Map(),
      nowMs: 0,
      evaluate: () => wouldPass('never asked'),
    }).get(1);
    expect(absent?.resources[0]).toMatchObject({ verdict: 'unknown', why: 'policy p is not in the cluster' });
    expect(absent?.noLongerNeeded).toBe(false);
  });
});
