import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../src/domain/settings';
import { checkRequestFields, controlsFields, formFieldOf, type ControlsText } from './request-check';

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

const blank: ControlsText = {
  riskBefore: '',
  riskAfter: '',
  compensatingControls: '',
  validations: '',
  falsePositive: '',
};
const WHY = 'The image is signed by a key the policy does not list yet';

describe('the request form’s risk and compensating-control fields', () => {
  it('sends nothing for empty fields', () => {
    expect(controlsFields(blank, true)).toEqual({ fields: {}, issues: [] });
  });

  it('sends every field as the API names it, validations one a line', () => {
    const { fields, issues } = controlsFields(
      {
        riskBefore: '4:5',
        riskAfter: ' 2:5 ',
        compensatingControls: '  Egress denied by network policy ',
        validations: "object.metadata.name.startsWith('pay')\n\n  has(object.metadata.labels)  \n",
        falsePositive: ` ${WHY} `,
      },
      true,
    );
    expect(issues).toEqual([]);
    expect(fields).toEqual({
      riskRating: { before: { likelihood: 4, impact: 5 }, after: { likelihood: 2, impact: 5 } },
      compensatingControls: 'Egress denied by network policy',
      validations: ["object.metadata.name.startsWith('pay')", 'has(object.metadata.labels)'],
      falsePositive: WHY,
    });
  });

  it('leaves validations out of a kyverno.io exception, which has no place for them', () => {
    expect(controlsFields({ ...blank, validations: 'true' }, false).fields).toEqual({});
  });

  it('a risk before alone is a rating with no after', () => {
    expect(controlsFields({ ...blank, riskBefore: '3:3' }, false).fields).toEqual({
      riskRating: { before: { likelihood: 3, impact: 3 }, after: null },
    });
  });

  it('names each refusal by the form field that holds it, as the server would refuse it', () => {
    const fieldsOf = (text: Partial<ControlsText>) =>
      controlsFields({ ...blank, ...text }, true).issues.map((i) => [i.field, i.message]);
    expect(fieldsOf({ riskBefore: '2:5', riskAfter: '4:5' })).toEqual([
      ['riskAfter', 'the risk after compensating controls (4:5) is above the risk before them (2:5)'],
    ]);
    expect(fieldsOf({ riskBefore: 'high' })).toEqual([
      ['riskBefore', 'must be LIKELIHOOD:IMPACT, each 1 to 5 (e.g. 4:3), not "high"'],
    ]);
    expect(fieldsOf({ riskBefore: '6:1' })).toEqual([
      ['riskBefore', 'likelihood and impact must each be from 1 to 5, not 6:1'],
    ]);
    expect(fieldsOf({ riskAfter: '1:1' })).toEqual([
      ['riskBefore', 'give the risk before compensating controls too: the risk after is measured against it'],
    ]);
    expect(fieldsOf({ falsePositive: 'not really' })).toEqual([
      ['falsePositive', 'must say why the finding is a false positive (at least 20 characters)'],
    ]);
    // Only the broken score is blamed; the rating waits for a valid one.
    expect(fieldsOf({ riskBefore: '0:0', riskAfter: '5:5' })).toEqual([
      ['riskBefore', 'likelihood and impact must each be from 1 to 5, not 0:0'],
    ]);
  });

  it("runs the guardrails' CEL check on validations, named by the validations field", () => {
    const request = {
      namespaces: ['payments'],
      names: ['payments-api-*'],
      category: 'legacy-migration' as const,
      ticket: 'MIG-1',
      reason: 'Legacy payments images move to the signed pipeline this month',
      expires: '14d',
      policy: 'ValidatingPolicy/x',
      apiVersion: 'policies.kyverno.io/v1' as const,
      ...controlsFields({ ...blank, validations: 'true\nobject.metadata.name +' }, true).fields,
    };
    const { issues } = checkRequestFields(request, defaultSettings, 'alice', Date.UTC(2026, 0, 1));
    expect(issues.map((i) => [formFieldOf(i.field), i.code])).toEqual([
      ['validations', 'validation-compile'],
    ]);
  });

  it('maps the API’s field paths to the form’s fields', () => {
    expect(formFieldOf('riskRating.before.likelihood')).toBe('riskBefore');
    expect(formFieldOf('riskRating')).toBe('riskBefore');
    expect(formFieldOf('riskRating.after')).toBe('riskAfter');
    expect(formFieldOf('riskRating.after.impact')).toBe('riskAfter');
    expect(formFieldOf('validations.3')).toBe('validations');
    expect(formFieldOf('falsePositive')).toBe('falsePositive');
    expect(formFieldOf('justification.expiresAt')).toBe('expires');
    expect(formFieldOf('scope.namespaces')).toBe('namespaces');
  });
});
