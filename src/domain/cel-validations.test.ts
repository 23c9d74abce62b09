import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { activeRecord } from '../../test/support/records.js';
import { celExceptionCovers } from './cel-match.js';
import { validationProblem } from './cel-validations.js';
import type { Justification } from './exception.js';
import { checkRequest, type RequestContext } from './guardrails.js';
import { lintText } from './lint.js';
import type { CelPolicyExceptionManifest } from './manifest.js';
import { manifestToYaml, renderManifest } from './render.js';
import { defaultSettings } from './settings.js';
import { DAY_MS } from './time.js';

const nowMs = Date.parse('2026-12-01T00:00:00Z');
// Quotes, a colon-space, a hash and a newline: each would break a YAML scalar written by hand.
const tricky = "object.metadata.?labels['team'].orValue('') == 'pay: #ments'\n|| false";
const teamLabel = "has(object.metadata.labels) && 'team' in object.metadata.labels";
const record = activeRecord({
  id: 9,
  apiVersion: 'policies.kyverno.io/v1',
  policy: 'ValidatingPolicy/require-run-as-non-root',
  rules: [],
  validations: [teamLabel, tricky],
});
const manifest = renderManifest(record, defaultSettings) as CelPolicyExceptionManifest;
const pod = (name: string, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  name,
  namespace: 'payments',
  object: {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'payments', ...(labels ? { labels } : {}) },
  },
});

const context = (validations: string[], apiVersion: RequestContext['apiVersion']): RequestContext => ({
  scope: {
    name: 'payments-api-sec-42',
    policy: apiVersion?.startsWith('policies')
      ? 'ValidatingPolicy/require-run-as-non-root'
      : 'require-image-signature',
    rules: apiVersion?.startsWith('policies') ? [] : ['check-image-signature'],
    kinds: ['Pod'],
    namespaces: ['payments'],
    names: ['payments-api-*'],
  },
  justification: {
    category: 'legacy-migration',
    ticket: 'SEC-42',
    reason: 'Legacy batch images move to the signed pipeline by the end of the migration',
    riskAssessment: null,
    expiresAt: new Date(nowMs + 14 * DAY_MS).toISOString(),
    riskRating: null,
    compensatingControls: null,
    validations,
    falsePositive: null,
  } satisfies Justification,
  nowMs,
  settings: defaultSettings,
  apiVersion,
});

describe('compensating validations on a CEL PolicyException', () => {
  it('are checked for compiling, each named by its index, and must give a bool', () => {
    expect(validationProblem(teamLabel)).toBeUndefined();
    expect(validationProblem(tricky)).toBeUndefined();
    expect(
      validationProblem("object.spec.containers.all(c, c.image.startsWith('registry.example.com/'))"),
    ).toBeUndefined();
    expect(validationProblem('object.metadata.name ==')).toMatch(/^does not compile: /);
    expect(validationProblem("'a' + 1")).toMatch(/^does not compile: /);
    expect(validationProblem('object.metadata.name.size()')).toBe(
      'gives int, not bool: Kyverno needs a condition that is true or false',
    );
    expect(validationProblem('  ')).toBe('is empty');
    // Only the names Kyverno's compiler declares: another is an undeclared reference there.
    expect(validationProblem('nosuchvar.x == 1')).toMatch(/^does not compile: .*nosuchvar/);
    expect(
      validationProblem("request.userInfo.username != '' && has(namespaceObject.metadata.labels)"),
    ).toBeUndefined();

    const refused = checkRequest(context([teamLabel, 'object.metadata.name =='], 'policies.kyverno.io/v1'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ code: 'validation-compile', field: 'validations.1' });
    expect(refused[0]?.message).toContain('validations.1 "object.metadata.name ==" does not compile');
    expect(
      checkRequest(context(["{{ request.object.metadata.name }} == 'x'"], 'policies.kyverno.io/v1')),
    ).toEqual([expect.objectContaining({ code: 'text-template', field: 'validations.0' })]);
    expect(
      checkRequest(
        context(
          Array.from({ length: 21 }, () => 'true'),
          'policies.kyverno.io/v1',
        ),
      ),
    ).toEqual([expect.objectContaining({ code: 'validations-count', field: 'validations' })]);
    expect(checkRequest(context([teamLabel], 'policies.kyverno.io/v1'))).toEqual([]);
  });

  it('are refused on a kyverno.io exception, which has no place Kyverno would check them', () => {
    const issues = checkRequest(context([teamLabel], 'kyverno.io/v2'));
    expect(issues).toEqual([expect.objectContaining({ code: 'validations-not-cel', field: 'validations' })]);
    expect(issues[0]?.message).toContain('CEL PolicyException (policies.kyverno.io) only');
    expect(checkRequest(context([], 'kyverno.io/v2'))).toEqual([]);
  });

  it('render as match conditions after the scope, escaped in YAML, and lint clean', () => {
    expect(manifest.spec.matchConditions).toEqual([
      { name: 'waiver-scope', expression: expect.any(String) as unknown },
      { name: 'waiver-validation-0', expression: teamLabel },
      { name: 'waiver-validation-1', expression: tricky },
    ]);
    const yaml = manifestToYaml(manifest);
    expect(parse(yaml)).toEqual(manifest);
    expect(lintText(yaml, 'x.yaml', nowMs, defaultSettings)).toEqual([]);
    expect(manifest.spec).not.toHaveProperty('validations');
  });

  it('decide coverage as Kyverno does: the exception applies only where every validation holds', () => {
    const covers = (r: ReturnType<typeof pod>) => celExceptionCovers(manifest.spec, record.policy, r, nowMs);
    expect(covers(pod('payments-api-1', { team: 'pay: #ments' })).covered).toBe(true);
    // In scope, but the compensating control does not hold: the policy judges it as if there were none.
    expect(covers(pod('payments-api-2'))).toEqual({
      covered: false,
      why: 'match condition waiver-validation-0 is false',
    });
    expect(covers(pod('payments-api-3', { team: 'web' })).why).toBe(
      'match condition waiver-validation-1 is false',
    );
    expect(covers(pod('payments-web-1', { team: 'pay: #ments' })).covered).toBe(false);
  });
});
