import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { activeRecord } from '../../test/support/records.js';
import { expandForControllers } from './autogen.js';
import { lintText } from './lint.js';
import { parseSingleManifest, readExpiry } from './manifest-schema.js';
import { manifestToYaml, renderPolicyException } from './render.js';
import { defaultSettings } from './settings.js';

const record = activeRecord({ id: 42, expiresAt: '2026-12-20T08:30:00Z' });

describe('rendering a PolicyException (DESIGN.md §4)', () => {
  const yamlText = manifestToYaml(renderPolicyException(record, defaultSettings));
  const manifest = parse(yamlText) as Record<string, any>;

  it('uses kyverno.io/v2 in the exception namespace', () => {
    expect(manifest['apiVersion']).toBe('kyverno.io/v2');
    expect(manifest['kind']).toBe('PolicyException');
    expect(manifest['metadata']).toMatchObject({
      name: 'payments-api-inc-1',
      namespace: 'policy-exceptions',
    });
  });

  it('carries the process template annotations and the managed-by, id and TTL labels', () => {
    expect(manifest['metadata'].annotations).toEqual({
      requestor: 'alice',
      'jira-ticket': 'SEC-42',
      reason: record.reason,
      'risk-acceptance': 'bob',
      'expiry-reminder': '2026-12-13',
      'waiver.io/category': 'vendor-image',
      'waiver.io/expires-at': '2026-12-20T08:30:00Z',
      'waiver.io/risk-assessment': 'https://wiki.example.com/risk/42',
    });
    expect(manifest['metadata'].labels).toEqual({
      'app.kubernetes.io/managed-by': 'waiver',
      'waiver.io/exception-id': 'EX-42',
      'cleanup.kyverno.io/ttl': '2026-12-20T083000Z',
    });
  });

  it('dates the expiry reminder 7 days ahead, but never before the exception took effect', () => {
    const short = activeRecord({ appliedAt: '2026-12-15T10:00:00Z', expiresAt: '2026-12-20T10:00:00Z' });
    const annotations = renderPolicyException(short, defaultSettings).metadata.annotations ?? {};
    expect(annotations['expiry-reminder']).toBe('2026-12-15');
  });

  it('names the policy, rules and a specific match', () => {
    expect(manifest['spec'].exceptions).toEqual([
      { policyName: 'require-image-signature', ruleNames: ['check-image-signature'] },
    ]);
    expect(manifest['spec'].match).toEqual({
      any: [{ resources: { kinds: ['Pod'], namespaces: ['payments'], names: ['payments-api-*'] } }],
    });
  });

  it('expires through time_before compared with Equals true', () => {
    expect(manifest['spec'].conditions).toEqual({
      all: [
        {
          key: "{{ time_before('{{ time_now_utc() }}', '2026-12-20T08:30:00Z') }}",
          operator: 'Equals',
          value: true,
        },
      ],
    });
  });

  it('is deterministic and passes its own lint', () => {
    expect(manifestToYaml(renderPolicyException(record, defaultSettings))).toBe(yamlText);
    const now = Date.parse('2026-11-29T00:00:00Z');
    expect(lintText(yamlText, 'x.yaml', now, defaultSettings)).toEqual([]);
    expect(readExpiry(parseSingleManifest(yamlText, 'x.yaml'))).toMatchObject({
      form: 'time_before',
      value: '2026-12-20T08:30:00Z',
    });
  });

  it('renders v2beta1 on request', () => {
    expect(
      renderPolicyException(record, defaultSettings, { apiVersion: 'kyverno.io/v2beta1' }).apiVersion,
    ).toBe('kyverno.io/v2beta1');
  });

  it('keeps hostile user text inside its scalar', () => {
    const hostile = activeRecord({
      reason: "x\"\n  injected: true\n---\nkind: Secret # 'quote' ${HOME} `cmd`",
      requestor: 'a: b',
    });
    const back = parse(manifestToYaml(renderPolicyException(hostile, defaultSettings))) as Record<
      string,
      any
    >;
    expect(back['metadata'].annotations.reason).toBe(hostile.reason);
    expect(back['metadata'].annotations.requestor).toBe('a: b');
    expect(back['kind']).toBe('PolicyException');
    expect(back['spec'].injected).toBeUndefined();
  });
});

describe('Pod controllers (autogen)', () => {
  const scope = {
    name: 'x',
    policy: 'p',
    rules: ['check-image-signature'],
    kinds: ['Deployment'],
    namespaces: ['team'],
    names: ['payments-api'],
  };

  it('adds autogen rule names, Pod kind and Pod name patterns for a Deployment', () => {
    expect(expandForControllers(scope)).toMatchObject({
      rules: ['check-image-signature', 'autogen-check-image-signature'],
      kinds: ['Deployment', 'Pod'],
      names: ['payments-api', 'payments-api-*'],
    });
  });

  it('adds the cronjob rule and Job kind for a CronJob, and cuts names to 63 characters', () => {
    const expanded = expandForControllers({ ...scope, kinds: ['CronJob'], rules: [`r${'x'.repeat(60)}`] });
    expect(expanded.kinds).toEqual(['CronJob', 'Job', 'Pod']);
    expect(expanded.rules).toHaveLength(3);
    expect(expanded.rules.every((r) => r.length <= 63)).toBe(true);
    expect(expanded.rules[2]?.startsWith('autogen-cronjob-')).toBe(true);
  });

  it('leaves Pod-only scopes alone', () => {
    expect(expandForControllers({ ...scope, kinds: ['Pod'] })).toEqual({ ...scope, kinds: ['Pod'] });
  });
});
