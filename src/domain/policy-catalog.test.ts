import { describe, expect, it } from 'vitest';
import { configuredPolicies, knownPolicy } from './policy-catalog.js';

describe('the policies a request may name', () => {
  it('lists the rules a policy writes, not the autogen ones Kyverno adds, and names CEL policies Kind/name', () => {
    const written = {
      kind: 'Policy',
      metadata: { name: 'team', namespace: 'payments' },
      spec: {
        rules: [
          { name: 'no-latest', match: { any: [{ resources: { kinds: ['Pod'] } }] } },
          { name: 'limits', match: { resources: { kinds: ['Deployment', 'StatefulSet'] } } },
        ],
      },
    };
    expect(knownPolicy(written)).toEqual({
      name: 'payments/team',
      kind: 'Policy',
      cel: false,
      rules: [
        { name: 'no-latest', kinds: ['Pod'] },
        { name: 'limits', kinds: ['Deployment', 'StatefulSet'] },
      ],
    });
    expect(knownPolicy({ kind: 'ValidatingPolicy', metadata: { name: 'no-host-path' } })).toEqual({
      name: 'ValidatingPolicy/no-host-path',
      kind: 'ValidatingPolicy',
      cel: true,
      rules: [],
    });
  });

  it("answers the configuration's default policy with its rules, then the owned ones without rules", () => {
    expect(
      configuredPolicies(
        'require-image-signature',
        ['check-image-signature'],
        ['ImageValidatingPolicy/check-images', 'payments/team', 'require-image-signature'],
      ),
    ).toEqual([
      {
        name: 'require-image-signature',
        kind: 'ClusterPolicy',
        cel: false,
        rules: [{ name: 'check-image-signature', kinds: [] }],
      },
      { name: 'ImageValidatingPolicy/check-images', kind: 'ImageValidatingPolicy', cel: true, rules: [] },
      { name: 'payments/team', kind: 'Policy', cel: false, rules: null },
    ]);
  });
});
