import {
  draftExemptions,
  draftRequest,
  draftScope,
  type RequestFields,
} from '../../src/domain/draft-request';
import {
  falsePositiveProblem,
  parseRiskScore,
  riskAfterProblem,
  riskScoreProblem,
  riskScoreShapeProblem,
  type RiskRating,
} from '../../src/domain/controls';
import type { Exemptions } from '../../src/domain/exemptions';
import { isWaiverError, type Issue } from '../../src/domain/errors';
import type { ApiVersion, ExceptionScope } from '../../src/domain/exception';
import { checkRequest } from '../../src/domain/guardrails';
import { newRequest } from '../../src/domain/new-request';
import { manifestToYaml, renderManifest } from '../../src/domain/render';
import type { ProcessSettings } from '../../src/domain/settings';
import { toRfc3339 } from '../../src/domain/time';

export interface RequestCheck {
  /** Every rule the request breaks now, by field: the server's own guardrails, run here. */
  issues: Issue[];
  /** The PolicyException it would become once approved and applied. */
  preview: string | undefined;
  /** What it would except, as the server drafts it: autogen rules, Jobs and Pods added for controllers. */
  scope: ExceptionScope;
  apiVersion: ApiVersion;
  /** What it exempts inside its scope, as the record will keep it. */
  exemptions: Exemptions;
}

/** Checks a request as the server will, and renders what Kyverno would read. */
export function checkRequestFields(
  fields: RequestFields,
  settings: ProcessSettings,
  requestor: string,
  nowMs: number,
): RequestCheck {
  let drafted: ReturnType<typeof draftRequest>;
  try {
    drafted = draftRequest(fields, settings, nowMs);
  } catch (e) {
    if (!isWaiverError(e)) throw e;
    return {
      issues: [{ code: e.code, field: e.field ?? 'expires', message: e.message }],
      preview: undefined,
      scope: draftScope(fields, settings),
      apiVersion: fields.apiVersion ?? settings.apiVersion,
      exemptions: draftExemptions(fields),
    };
  }
  const { scope, justification, apiVersion, exemptions } = drafted;
  const issues = checkRequest({ scope, justification, nowMs, settings, apiVersion, exemptions });
  // The manifest does not depend on the target: the server's default stands in for it.
  const { record } = newRequest({
    scope,
    justification,
    requestor,
    now: toRfc3339(nowMs),
    apiVersion,
    target: '',
    exemptions,
  });
  const preview = manifestToYaml(renderManifest({ ...record, id: 0, version: 1 }, settings));
  return { issues, preview, scope, apiVersion, exemptions };
}

/** A comma- or space-separated list as the form takes it. */
export const listOf = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The form's risk and compensating-control fields, as typed. */
export interface ControlsText {
  /** `LIKELIHOOD:IMPACT`, as `--risk-before` takes it; empty: no rating. */
  riskBefore: string;
  riskAfter: string;
  compensatingControls: string;
  /** One CEL expression a line, as repeated `--validation` flags give them. */
  validations: string;
  /** Empty: no false positive is stated. */
  falsePositive: string;
}

/** What the controls fields add to a request, as the API names them. */
export interface ControlsFields {
  riskRating?: RiskRating;
  compensatingControls?: string;
  validations?: string[];
  falsePositive?: string;
}

/**
 * The controls fields as the API takes them, and what the server's input rules (the domain's, shared
 * with it) refuse in them now, named by the form's fields. Validations go only with a CEL exception:
 * the kyverno.io one has no place for them (the guardrails check their CEL).
 */
export function controlsFields(
  text: ControlsText,
  cel: boolean,
): { fields: ControlsFields; issues: Issue[] } {
  const issues: Issue[] = [];
  const score = (typed: string, field: 'riskBefore' | 'riskAfter') => {
    if (!typed.trim()) return undefined;
    const parsed = parseRiskScore(typed);
    const problem = parsed ? riskScoreProblem(parsed) : riskScoreShapeProblem(typed);
    if (problem) issues.push({ code: 'risk-score', field, message: problem });
    return problem ? undefined : parsed;
  };
  const before = score(text.riskBefore, 'riskBefore');
  const after = score(text.riskAfter, 'riskAfter');
  let riskRating: RiskRating | undefined;
  if (before) {
    riskRating = { before, after: after ?? null };
    const problem = riskAfterProblem(riskRating);
    if (problem) issues.push({ code: 'risk-after-above-before', field: 'riskAfter', message: problem });
  } else if (after && !text.riskBefore.trim())
    issues.push({
      code: 'risk-before-missing',
      field: 'riskBefore',
      message: 'give the risk before compensating controls too: the risk after is measured against it',
    });
  const falsePositive = text.falsePositive.trim();
  if (falsePositive) {
    const problem = falsePositiveProblem(falsePositive);
    if (problem) issues.push({ code: 'false-positive-blank', field: 'falsePositive', message: problem });
  }
  const validations = cel ? linesOf(text.validations) : [];
  const compensatingControls = text.compensatingControls.trim();
  return {
    fields: {
      ...(riskRating ? { riskRating } : {}),
      ...(compensatingControls ? { compensatingControls } : {}),
      ...(validations.length ? { validations } : {}),
      ...(falsePositive ? { falsePositive } : {}),
    },
    issues,
  };
}

/** One entry a line, blank lines left out: a CEL expression may hold commas and spaces. */
export const linesOf = (text: string): string[] =>
  text
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The form field that answers for an issue's field: the API's `riskRating.after.impact` is the risk
 * after, its `validations.2` the validations box, a guardrail's `expiresAt` the expiry.
 */
export function formFieldOf(field: string): string {
  const parts = field.split('.');
  const risk = parts.indexOf('riskRating');
  if (risk >= 0) return parts[risk + 1] === 'after' ? 'riskAfter' : 'riskBefore';
  if (parts.includes('validations')) return 'validations';
  const last = parts.at(-1) ?? field;
  return last === 'expiresAt' ? 'expires' : last;
}
