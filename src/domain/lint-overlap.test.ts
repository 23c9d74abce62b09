import { describe, expect, it } from 'vitest';
import { overlapFindings, patternsMeet } from './lint-overlap.js';

const exception = (
  name: string,
  namespaces: string[],
  names: string[],
  rules = ['check-image-signature'],
) => `
apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: ${name}
  namespace: policy-exceptions
spec:
  exceptions:
  - policyName: require-image-signature
    ruleNames: [${rules.join(', ')}]
  match:
    any:
    - resources:
        kinds: [Pod]
        namespaces: [${namespaces.join(', ')}]
        names: [${names.map((n) => JSON.stringify(n)).join(', ')}]
`;

describe('lint: overlapping exceptions in a repository', () => {
  it('warns once per exception that may let the same pods through the same rule, naming both', () => {
    const findings = overlapFindings([
      { file: 'a.yaml', text: exception('api', ['payments'], ['payments-api-*']) },
      { file: 'b.yaml', text: exception('all-payments', ['payments'], ['payments-*']) },
      { file: 'c.yaml', text: exception('web', ['payments'], ['payments-web-1']) },
      { file: 'd.yaml', text: exception('elsewhere', ['shop'], ['payments-api-*']) },
      { file: 'e.yaml', text: exception('other-rule', ['payments'], ['payments-api-*'], ['other']) },
    ]);
    expect(findings.map((f) => [f.file, f.object, f.severity, f.rule])).toEqual([
      ['b.yaml', 'policy-exceptions/all-payments', 'warning', 'overlapping-exceptions'],
      ['c.yaml', 'policy-exceptions/web', 'warning', 'overlapping-exceptions'],
    ]);
    expect(findings[0]?.message).toContain(
      'through require-image-signature/check-image-signature as policy-exceptions/api (a.yaml)',
    );
    expect(findings[1]?.message).toContain('as policy-exceptions/all-payments (b.yaml)');
  });

  it('says two patterns meet when some name matches both', () => {
    expect(patternsMeet('payments-api-*', 'payments-api-7d9c-x')).toBe(true);
    expect(patternsMeet('payments-api-*', 'payments-web-1')).toBe(false);
    expect(patternsMeet('payments-*', 'payments-api-*')).toBe(true);
    expect(patternsMeet('api-*-blue', 'api-*-green')).toBe(false);
    expect(patternsMeet('a*', 'b*')).toBe(false);
  });

  it('warns once for an exception that meets many, naming the first few', () => {
    const findings = overlapFindings(
      Array.from({ length: 6 }, (_, i) => ({
        file: `f${i}.yaml`,
        text: exception(`copy-${i}`, ['payments'], ['payments-api-*']),
      })),
    );
    expect(findings.map((f) => f.file)).toEqual(['f1.yaml', 'f2.yaml', 'f3.yaml', 'f4.yaml', 'f5.yaml']);
    expect(findings[4]?.message).toContain(
      'as policy-exceptions/copy-0 (f0.yaml), policy-exceptions/copy-1 (f1.yaml), policy-exceptions/copy-2 (f2.yaml) and 2 more:',
    );
  });
});
