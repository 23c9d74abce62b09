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
    ['filter-empty', edit('  match:\n    any:\n', '  match:\n    any:\n    - {}\n')],
    ['kind-invalid', edit('kinds: [Pod]', 'kinds: [a/b/c/Pod/status]')],
    ['kinds-broad', edit('kinds: [Pod]', 'kinds: ["*/*"]')],
    ['kinds-missing', edit('        kinds: [Pod]\n', '')],
    ['names-by-labels', edit('names: [payments-api-*]', 'selector: {matchLabels: {app: payments-api}}')],
    [
      'name-and-names',
      edit('names: [payments-api-*]', 'names: [payments-api-*]\n        name: payments-api-1'),
    ],
    ['names-broad', edit('names: [payments-api-*]', 'name: "p*"')],
    [
      'namespace-selector',
      edit('namespaces: [payments]', 'namespaceSelector: {matchLabels: {team: payments}}'),
    ],
    ['policy-wildcard', edit('policyName: require-image-signature', 'policyName: require-*')],
    ['expiry-ineffective', good.replace('value: true', 'value: "true"')],
    ['expiry-ineffective', good.replace('operator: Equals', 'operator: NotEquals')],
    ['expiry-unparseable', good.replaceAll('2026-12-10T00:00:00Z', '2026-12-10')],
    [
      'user-info-background',
      edit(
        '        names: [payments-api-*]\n',
        '        names: [payments-api-*]\n      subjects: [{kind: User, name: chip}]\n',
      ),
    ],
    [
      'pod-security-invalid',
      edit('  conditions:', '  podSecurity:\n  - controlName: Capabilities\n  conditions:'),
    ],
    [
      'pod-security-field',
      edit(
        '  conditions:',
        '  podSecurity:\n  - controlName: Running as Non-root\n    restrictedField: spec.containers[*].securityContext.runAsNonroot\n    values: ["false"]\n  conditions:',
      ),
    ],
    ['ttl-label-missing', edit('    cleanup.kyverno.io/ttl: 2026-12-10T000000Z\n', '')],
    ['expiry-past', good.replaceAll('2026-12-10T00:00:00Z', '2026-11-20T00:00:00Z')],
    ['invalid-manifest', 'kind: PolicyException\nmetadata: {name: x}\n'],
    ['invalid-manifest', 'kind: PolicyException\n  bad: [indent\n'],
    // The CRD's operator enum: Kyverno's API server refuses any other.
    ['invalid-manifest', edit('operator: Equals', 'operator: Matches')],
  ])('reports %s', (rule, text) => {
    expect(rulesOf(lint(text))).toContain(rule);
  });

  it('reads the manifest as kubectl does: a plain on or yes is a boolean, refused by its field', () => {
    const plain = lint(edit('namespaces: [payments]', 'namespaces: [on]'));
    expect(plain).toEqual([
      expect.objectContaining({
        rule: 'invalid-manifest',
        message: expect.stringContaining(
          'spec.match.any.0.resources.namespaces.0: must be text, not true (YAML reads a plain yes, no, on, off, true or number so: quote it)',
        ) as unknown,
      }),
    ]);
    expect(lint(edit('namespaces: [payments]', 'namespaces: ["on"]'))).toEqual([]);
    // A plain date stays text, as sigs.k8s.io/yaml reads it.
    expect(lint(good.replace('reason: outage hotfix', 'reason: 2026-12-01'))).toEqual([]);
  });

  it('skips other kinds and reads every document', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n${good}---\n${edit('names: [payments-api-*]', 'names: ["*"]')}`;
    expect(rulesOf(lint(text))).toEqual(['names-broad']);
  });

  it("lints Kyverno's own fixtures", () => {
    const nsSelector = rulesOf(lint(fixture('chainsaw-cli-apply-exception-ns-selector/exception.yaml')));
    // A namespaceSelector narrows the namespaces: not "every namespace", a warning to list them.
    expect(nsSelector).toEqual(
      expect.arrayContaining(['operations-ignored', 'namespace-selector', 'names-missing', 'expiry-missing']),
    );
    expect(nsSelector).not.toContain('namespaces-missing');
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

  it('accepts the other expiry forms Kyverno evaluates', () => {
    for (const key of [
      "{{ time_before(time_now_utc(), '2026-12-10T00:00:00Z') }}",
      "{{ time_after('2026-12-10T00:00:00Z', time_now_utc()) }}",
    ]) {
      const text = good.replace("{{ time_before('{{ time_now_utc() }}', '2026-12-10T00:00:00Z') }}", key);
      expect(rulesOf(lint(text)), key).toEqual([]);
    }
  });

  it('reads a label selector and annotations as names, without a finding about names', () => {
    const text = edit('names: [payments-api-*]', 'annotations: {owner: payments}');
    expect(rulesOf(lint(text))).toEqual(['names-by-labels']);
  });

  it('warns once, and only warns, when Kyverno reads exceptions from every namespace', () => {
    const everywhere = { ...defaultSettings, kyvernoExceptionNamespace: '*' };
    const text = edit('namespace: policy-exceptions', 'namespace: payments');
    expect(rulesOf(lintText(text, 'f.yaml', nowMs, everywhere))).toEqual(['namespace-any']);
  });

  it("draws the webhook's refusals from Kyverno's own cases (#12, #25)", () => {
    const background = (file: string) =>
      rulesOf(lint(fixture(`chainsaw-background-mode-webhook-validation/${file}`)));
    expect(background('exception-allowed.yaml')).not.toContain('user-info-background');
    expect(background('exception-rejected.yaml')).toContain('user-info-background');
    const messages = (file: string) =>
      lint(fixture(`chainsaw-webhook-rejects-invalid-podsecurity/${file}`))
        .filter((f) => f.rule === 'pod-security-invalid')
        .map((f) => f.message);
    expect(messages('exception-1.yaml')).toEqual([
      'spec.podSecurity[0]: images must be specified for the container level control "Capabilities"',
      'spec.podSecurity[3]: images must be specified for the container level control "Privilege Escalation"',
    ]);
    expect(messages('exception-2.yaml')).toEqual([
      'spec.podSecurity[0].values is required with restrictedField',
    ]);
    expect(messages('exception-3.yaml')).toEqual([
      'spec.podSecurity[0].restrictedField is required with values',
    ]);
    // AppArmor has container fields: Kyverno admits images for it.
    expect(
      rulesOf(
        lint(
          edit(
            '  conditions:',
            '  podSecurity:\n  - controlName: AppArmor\n    images: [nginx*]\n  conditions:',
          ),
        ),
      ),
    ).not.toContain('pod-security-invalid');
    // The podSecurity exceptions Kyverno admits draw no such finding.
    for (const file of [
      'cli-test-exceptions-3-podsecurity-restrictedfield/exception.yaml',
      'chainsaw-multiple-exceptions-podsecurity/exceptions.yaml',
      'chainsaw-psa-run-as-non-root/exception.yaml',
    ])
      expect(rulesOf(lint(fixture(file))), file).not.toContain('pod-security-invalid');
    // Nor do the fields they name: each is one their control reports.
    for (const file of [
      'cli-test-exceptions-3-podsecurity-restrictedfield/exception.yaml',
      'chainsaw-multiple-exceptions-podsecurity/exceptions.yaml',
      'chainsaw-psa-run-as-non-root/exception.yaml',
    ])
      expect(rulesOf(lint(fixture(file))), file).not.toContain('pod-security-field');
  });

  it('says an exception with match: {} matches nothing (#27, goodpe01 and goodpe04)', () => {
    const findings = lint(
      fixture('policies-policy-for-exceptions-guardrail/.chainsaw-test/policy-good.yaml'),
    );
    const empty = findings.filter((f) => f.rule === 'match-empty').map((f) => f.object);
    expect(empty).toEqual(
      expect.arrayContaining([expect.stringContaining('goodpe01'), expect.stringContaining('goodpe04')]),
    );
  });
});
