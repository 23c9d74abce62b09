import { describe, expect, it } from 'vitest';
import { activeRecord } from '../../test/support/records.js';
import { exceptionTextSize, MAX_EXCEPTION_TEXT } from './exception-size.js';
import { checkRequest, type RequestContext } from './guardrails.js';
import { defaultSettings } from './settings.js';
import { DAY_MS } from './time.js';

const nowMs = Date.parse('2026-11-29T12:00:00Z');

function context(
  overrides: {
    scope?: Partial<RequestContext['scope']>;
    justification?: Partial<RequestContext['justification']>;
  } = {},
): RequestContext {
  return {
    nowMs,
    settings: defaultSettings,
    scope: {
      name: 'payments-api-sec-42',
      policy: 'require-image-signature',
      rules: ['check-image-signature'],
      kinds: ['Pod'],
      namespaces: ['payments'],
      names: ['payments-api-*'],
      ...overrides.scope,
    },
    justification: {
      category: 'legacy-migration',
      ticket: 'SEC-42',
      reason: 'Legacy batch images move to the signed pipeline by the end of the migration',
      riskAssessment: null,
      expiresAt: new Date(nowMs + 14 * DAY_MS).toISOString(),
      riskRating: null,
      compensatingControls: null,
      validations: [],
      falsePositive: null,
      ...overrides.justification,
    },
  };
}

const codes = (ctx: RequestContext): string[] => checkRequest(ctx).map((i) => i.code);

describe('guardrails', () => {
  it('accept a well-formed request', () => {
    expect(checkRequest(context())).toEqual([]);
  });

  it('accept a namespaced Policy as Kyverno keys its exceptions: namespace/name', () => {
    expect(checkRequest(context({ scope: { policy: 'payments/require-image-signature' } }))).toEqual([]);
  });

  it('say what a namespace name may be when one is refused', () => {
    expect(checkRequest(context({ scope: { namespaces: ['Shop'] } }))).toEqual([
      expect.objectContaining({
        code: 'namespace-format',
        field: 'namespaces',
        message:
          '"Shop" is not a namespace name (a DNS-1123 label: lower-case letters, digits and "-", at most 63 characters)',
      }),
    ]);
  });

  it.each([
    ['name-format', { scope: { name: 'Payments_API' } }],
    ['name-format', { scope: { name: 'a'.repeat(64) } }],
    ['policy-format', { scope: { policy: 'Require Image' } }],
    ['policy-format', { scope: { policy: 'team/require/images' } }],
    ['policy-format', { scope: { policy: 'Team_A/require-images' } }],
    ['rules-required', { scope: { rules: [] } }],
    ['rule-format', { scope: { rules: ['check-*'] } }],
    ['kinds-required', { scope: { kinds: [] } }],
    ['kind-allowed', { scope: { kinds: ['Secret'] } }],
    ['namespaces-required', { scope: { namespaces: [] } }],
    ['namespace-wildcard', { scope: { namespaces: ['team-*'] } }],
    ['namespace-format', { scope: { namespaces: ['Team_A'] } }],
    ['namespace-protected', { scope: { namespaces: ['kube-system'] } }],
    ['namespace-protected', { scope: { namespaces: ['kyverno'] } }],
    ['namespace-protected', { scope: { namespaces: ['policy-exceptions'] } }],
    ['names-required', { scope: { names: [] } }],
    ['name-pattern-format', { scope: { names: ['Payments/api'] } }],
    ['name-pattern-broad', { scope: { names: ['*'] } }],
    ['name-pattern-broad', { scope: { names: ['?*'] } }],
    ['name-pattern-broad', { scope: { names: ['ab*'] } }],
    ['ticket-format', { justification: { ticket: 'sec 42' } }],
    ['emergency-incident', { justification: { category: 'emergency-hotfix' as const, ticket: 'SEC-42' } }],
    ['reason-length', { justification: { reason: 'too short' } }],
    [
      'reason-invalid',
      { justification: { reason: 'Signing is too much work for this team right now, honestly' } },
    ],
    [
      'reason-invalid',
      { justification: { reason: 'We are in a hurry to ship the new feature before the demo' } },
    ],
    [
      'reason-invalid',
      { justification: { reason: 'Just this once, until we sort the pipeline out properly' } },
    ],
    [
      'reason-invalid',
      { justification: { reason: 'A permanent bypass for this namespace would be simplest' } },
    ],
    [
      'risk-assessment-required',
      { justification: { category: 'vendor-image' as const, riskAssessment: null } },
    ],
    [
      'text-template',
      { justification: { reason: 'Legacy images {{ request.object }} move to the signed pipeline soon' } },
    ],
    ['text-length', { justification: { reason: 'x'.repeat(2001) } }],
    [
      'exception-size',
      {
        scope: {
          namespaces: Array.from({ length: 100 }, (_, i) => `team-${i}-`.padEnd(62, 'n') + 'x'),
          names: Array.from({ length: 100 }, (_, i) => `app-${i}-`.padEnd(249, 'p') + '*'),
        },
      },
    ],
    ['expiry-past', { justification: { expiresAt: new Date(nowMs - 1000).toISOString() } }],
    ['expiry-max', { justification: { expiresAt: new Date(nowMs + 31 * DAY_MS).toISOString() } }],
    [
      'expiry-max',
      {
        justification: {
          category: 'emergency-hotfix' as const,
          ticket: 'INC-1',
          expiresAt: new Date(nowMs + 8 * DAY_MS).toISOString(),
        },
      },
    ],
  ])('refuse %s', (code, overrides) => {
    expect(codes(context(overrides))).toContain(code);
  });

  it('allow exactly 30 days, and a hurry in an emergency with an incident ticket', () => {
    expect(
      codes(context({ justification: { expiresAt: new Date(nowMs + 30 * DAY_MS).toISOString() } })),
    ).toEqual([]);
    const emergency = {
      category: 'emergency-hotfix' as const,
      ticket: 'INCIDENT-7',
      reason: 'Production outage: we are in a hurry to ship the fix',
      expiresAt: new Date(nowMs + 7 * DAY_MS).toISOString(),
    };
    expect(codes(context({ justification: emergency }))).toEqual([]);
  });

  it('allow an exception of exactly the largest size, and refuse one character more', () => {
    const reason = 'Legacy batch images move to the signed pipeline. '.padEnd(2000, 'x');
    const namespaces = Array.from({ length: 100 }, (_, i) => `ns-${i}-`.padEnd(63, 'n'));
    const sized = (total: number) => {
      const bare = context({ scope: { namespaces, names: [] }, justification: { reason } });
      let left = total - exceptionTextSize({ ...bare.scope, ...bare.justification });
      const names: string[] = [];
      while (left > 0) {
        const length = Math.min(250, left);
        names.push(`app-${names.length}-`.padEnd(length - 1, 'p').concat('*'));
        left -= length;
      }
      return context({ scope: { namespaces, names }, justification: { reason } });
    };
    const largest = sized(MAX_EXCEPTION_TEXT);
    expect(exceptionTextSize({ ...largest.scope, ...largest.justification })).toBe(MAX_EXCEPTION_TEXT);
    expect(codes(largest)).toEqual([]);
    expect(codes(sized(MAX_EXCEPTION_TEXT + 1))).toEqual(['exception-size']);
  });

  it('name the field and quote the phrase of an invalid reason', () => {
    const [found] = checkRequest(
      context({ justification: { reason: 'Signing is too much work for this team right now, honestly' } }),
    );
    expect(found).toMatchObject({ field: 'reason', code: 'reason-invalid' });
    expect(found?.message).toContain('"too much work"');
  });

  it('refuse a renewal with the same justification, and a third renewal', () => {
    const renewing = activeRecord({
      reason: 'Legacy batch images move to the signed pipeline by the end of the migration',
    });
    expect(checkRequest({ ...context(), renewing }).map((i) => i.code)).toEqual(['renewal-same-reason']);
    const third = {
      ...context({ justification: { reason: 'The migration slipped by two weeks because of the freeze' } }),
      renewing: activeRecord({ renewalCount: 2 }),
    };
    expect(checkRequest(third).map((i) => i.code)).toEqual(['renewal-limit']);
  });
});
