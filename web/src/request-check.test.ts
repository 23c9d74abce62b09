import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../src/domain/settings';
import { checkRequestFields } from './request-check';

const now = Date.parse('2026-12-01T09:00:00Z');
const fields = {
  namespaces: ['payments'],
  names: ['payments-api'],
  category: 'legacy-migration' as const,
  ticket: 'MIG-7',
  reason: 'Legacy payments images move to the signed pipeline this month',
  expires: '14d',
};

describe('the request form’s check', () => {
  it('shows the scope a controller needs, even while the expiry is malformed', () => {
    const check = checkRequestFields(
      { ...fields, kinds: ['CronJob'], expires: 'soon' },
      defaultSettings,
      'alice',
      now,
    );
    expect(check.preview).toBeUndefined();
    expect(check.scope).toMatchObject({
      rules: [
        'check-image-signature',
        'autogen-check-image-signature',
        'autogen-cronjob-check-image-signature',
      ],
      kinds: ['CronJob', 'Job', 'Pod'],
      names: ['payments-api', 'payments-api-*'],
    });
  });

  it('renders a CEL request as the policies.kyverno.io PolicyException the server would write', () => {
    const cel = checkRequestFields(
      {
        ...fields,
        policy: 'ImageValidatingPolicy/check-images',
        rules: [],
        apiVersion: 'policies.kyverno.io/v1',
      },
      defaultSettings,
      'alice',
      now,
    );
    expect(cel.issues).toEqual([]);
    expect(cel.preview).toContain('apiVersion: policies.kyverno.io/v1');
    expect(cel.preview).toContain('kind: ImageValidatingPolicy');
    // The guardrails see the API version: a CEL policy in a kyverno.io exception is refused here too.
    const mixed = checkRequestFields(
      { ...fields, policy: 'ImageValidatingPolicy/check-images', apiVersion: 'kyverno.io/v2' },
      defaultSettings,
      'alice',
      now,
    );
    expect(mixed.issues.map((i) => i.field)).toContain('policy');
  });
});
