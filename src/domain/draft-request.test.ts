import { describe, expect, it } from 'vitest';
import { draftRequest } from './draft-request.js';
import { defaultSettings } from './settings.js';

const fields = {
  namespaces: ['payments'],
  names: ['payments-api-*'],
  category: 'legacy-migration' as const,
  ticket: 'MIG-7',
  reason: 'Legacy payments images move to the signed pipeline this month',
  expires: '14d',
};
const now = Date.parse('2026-12-01T09:00:00Z');

describe('a drafted request', () => {
  it('takes the CEL PolicyException for a CEL policy named Kind/name, without --api-version', () => {
    const cel = draftRequest({ ...fields, policy: 'ValidatingPolicy/disallow-latest' }, defaultSettings, now);
    expect(cel.apiVersion).toBe('policies.kyverno.io/v1');
    expect(cel.scope.rules).toEqual([]);
    // Asked for, it is kept (the guardrails then say what is wrong with it).
    const asked = draftRequest(
      { ...fields, policy: 'ValidatingPolicy/disallow-latest', apiVersion: 'kyverno.io/v2' },
      defaultSettings,
      now,
    );
    expect(asked.apiVersion).toBe('kyverno.io/v2');
    const kyverno = draftRequest({ ...fields, policy: 'require-image-signature' }, defaultSettings, now);
    expect(kyverno.apiVersion).toBe(defaultSettings.apiVersion);
    expect(kyverno.scope.rules).toEqual(defaultSettings.defaultRules);
  });
});
