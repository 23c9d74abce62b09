import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintText, type Finding } from './lint.js';
import { defaultSettings } from './settings.js';

const nowMs = Date.parse('2026-11-29T12:00:00Z');
const fixture = (path: string): string =>
  readFileSync(new URL(`../../test/fixtures/kyverno/${path}`, import.meta.url), 'utf8');
const rulesOf = (findings: Finding[]): string[] => findings.map((f) => f.rule);

const good = `apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: payments-api
  namespace: policy-exceptions
  labels:
    cleanup.kyverno.io/ttl: 2026-12-10T000000Z
  annotations:
    requestor: alice
    jira-ticket: INC-1
    reason: outage hotfix while the signing service is down
    risk-acceptance: bob
    expiry-reminder: 2026-12-03
spec:
  exceptions:
  - policyName: require-image-signature
    ruleNames: [check-image-signature]
  match:
    any:
    - resources:
        kinds: [Pod]
        namespaces: [payments]
        names: [payments-api-*]
  conditions:
    all:
    - key: "{{ time_before('{{ time_now_utc() }}', '2026-12-10T00:00:00Z') }}"
      operator: Equals
      value: true
`;

const lint = (text: string): Finding[] => lintText(text, 'f.yaml', nowMs, defaultSettings);
const edit = (from: string, to: string): string => {
  if (!good.includes(from)) throw new Error(`fixture lacks ${from}`);
  return good.replace(from, to);
};

describe('lint', () => {
  it('passes a well-formed exception', () => {
    expect(lint(good)).toEqual([]);
  });

  it('reports the process template expiry as ineffective', () => {
    const template = edit(
      `    - key: "{{ time_before('{{ time_now_utc() }}', '2026-12-10T00:00:00Z') }}"\n      operator: Equals\n      value: true`,
      `    - key: "{{time_now_utc()}}"\n      operator: LessThan\n      value: "2026-12-10T00:00:00Z"`,
    );
    const [finding] = lint(template);
    expect(finding).toMatchObject({
      file: 'f.yaml',
      object: 'policy-exceptions/payments-api',
      rule: 'expiry-ineffective',
      severity: 'error',
    });
  });

  it.each([
    ['api-version', edit('kyverno.io/v2\n', 'kyverno.io/v2alpha1\n')],
    ['namespace-ignored', edit('namespace: policy-exceptions', 'namespace: payments')],
    ['namespace-kyverno', edit('namespace: policy-exceptions', 'namespace: kyverno')],
    ['expiry-missing', good.slice(0, good.indexOf('  conditions:'))],
    ['expiry-too-far', good.replaceAll('2026-12-10T00:00:00Z', '2027-02-10T00:00:00Z')],
    ['expiry-unparseable', good.replaceAll('2026-12-10T00:00:00Z', 'next friday')],
    ['namespace-wildcard', edit('namespaces: [payments]', 'namespaces: ["pay*"]')],
    ['namespaces-missing', edit('        namespaces: [payments]\n', '')],
    ['names-missing', edit('        names: [payments-api-*]\n', '')],
    ['names-broad', edit('names: [payments-api-*]', 'names: ["*"]')],
    ['kinds-broad', edit('kinds: [Pod]', 'kinds: ["*"]')],
    ['operations-ignored', edit('kinds: [Pod]', 'kinds: [Pod]\n        operations: [CREATE]')],
    ['autogen-missing', edit('kinds: [Pod]', 'kinds: [Pod, Deployment]')],
    ['rule-wildcard', edit('ruleNames: [check-image-signature]', 'ruleNames: ["check-*"]')],
    [
      'match-any-and-all',
      edit('  match:\n    any:', '  match:\n    all:\n    - resources: {kinds: [Pod]}\n    any:'),
    ],
    [
      'match-empty',
      edit(
        '  match:\n    any:\n    - resources:\n        kinds: [Pod]\n        namespaces: [payments]\n        names: [payments-api-*]\n',
        '  match: {}\n',
      ),
    ],
    ['annotation-missing', edit('    risk-acceptance: bob\n', '')],
    ['ttl-label-missing', edit('    cleanup.kyverno.io/ttl: 2026-12-10T000000Z\n', '')],
    ['expiry-past', good.replaceAll('2026-12-10T00:00:00Z', '2026-11-20T00:00:00Z')],
    ['invalid-manifest', 'kind: PolicyException\nmetadata: {name: x}\n'],
    ['invalid-manifest', 'kind: PolicyException\n  bad: [indent\n'],
  ])('reports %s', (rule, text) => {
    expect(rulesOf(lint(text))).toContain(rule);
  });

  it('skips other kinds and reads every document', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n${good}---\n${edit('names: [payments-api-*]', 'names: ["*"]')}`;
    expect(rulesOf(lint(text))).toEqual(['names-broad']);
  });

  it("lints Kyverno's own fixtures", () => {
    const nsSelector = rulesOf(lint(fixture('chainsaw-cli-apply-exception-ns-selector/exception.yaml')));
    expect(nsSelector).toEqual(
      expect.arrayContaining(['operations-ignored', 'namespaces-missing', 'names-missing', 'expiry-missing']),
    );
    // Kyverno's namespace: its webhooks skip it.
    expect(rulesOf(lint(fixture('chainsaw-applies-to-delete/exception.yaml')))).toEqual(
      expect.arrayContaining(['namespace-kyverno', 'rule-wildcard']),
    );
    // Pod + Deployment with both rule names listed: no autogen finding.
    const autogen = rulesOf(lint(fixture('cli-test-exceptions-1-autogen-wildcard-names/exception.yaml')));
    expect(autogen).not.toContain('autogen-missing');
    expect(autogen).toContain('namespace-ignored');
    const conditions = rulesOf(lint(fixture('chainsaw-conditions/exception.yaml')));
    expect(conditions).toEqual(expect.arrayContaining(['expiry-missing', 'namespaces-missing']));
  });
});
