import { describe, expect, it } from 'vitest';
import { parseSingleManifest } from './manifest-schema.js';
import { fieldsFromTemplate } from './request-template.js';

const manifest = (extra: string) =>
  parseSingleManifest(
    `apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: scanner
${extra}`,
    't.yaml',
  );

describe('reading the process template', () => {
  it('takes scope, ticket, reason and expiry from a filled-in template', () => {
    const fields = fieldsFromTemplate(
      manifest(`  annotations:
    jira-ticket: SEC-77
    reason: unsigned vendor scanner
spec:
  exceptions:
  - policyName: require-image-signature
    ruleNames: [check-image-signature]
  match:
    any:
    - resources: {kinds: [Pod], namespaces: [tools], names: [scanner-*]}
    - resources: {kinds: [Pod], namespaces: [tools, ci], names: [scanner-*]}
  conditions:
    all:
    - key: "{{ time_before('{{ time_now_utc() }}', '2026-12-10T00:00:00Z') }}"
      operator: Equals
      value: true
`),
    );
    expect(fields).toEqual({
      name: 'scanner',
      policy: 'require-image-signature',
      rules: ['check-image-signature'],
      kinds: ['Pod'],
      namespaces: ['tools', 'ci'],
      names: ['scanner-*'],
      ticket: 'SEC-77',
      reason: 'unsigned vendor scanner',
      expires: '2026-12-10T00:00:00Z',
    });
  });

  it('falls back to the TTL label for the expiry, and leaves absent fields out', () => {
    const fields = fieldsFromTemplate(
      manifest(`  labels:\n    cleanup.kyverno.io/ttl: 2026-12-10T083000Z\nspec: {}\n`),
    );
    expect(fields).toEqual({ name: 'scanner', expires: '2026-12-10T08:30:00Z' });
  });

  it('refuses a file without exactly one PolicyException', () => {
    expect(() => parseSingleManifest('kind: ConfigMap\n', 'c.yaml')).toThrow(
      'c.yaml: expected exactly one PolicyException, found 0',
    );
    expect(() =>
      parseSingleManifest('apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {}\n', 'p.yaml'),
    ).toThrow(/^p.yaml: metadata.name: /);
  });

  it('takes the podSecurity entries, each field as written', () => {
    const fields = fieldsFromTemplate(
      manifest(`spec:
  exceptions:
  - policyName: pod-security
    ruleNames: [baseline]
  match:
    any:
    - resources: {kinds: [Pod], namespaces: [payments], names: [legacy-batch]}
  podSecurity:
  - controlName: Capabilities
    images: [registry.example/legacy/proxy:1]
    restrictedField: spec.containers[*].securityContext.capabilities.add
    values: [NET_ADMIN]
  - controlName: Seccomp
`),
    );
    expect(fields.podSecurity).toEqual([
      {
        controlName: 'Capabilities',
        images: ['registry.example/legacy/proxy:1'],
        restrictedField: 'spec.containers[*].securityContext.capabilities.add',
        values: ['NET_ADMIN'],
      },
      { controlName: 'Seccomp' },
    ]);
  });
});
