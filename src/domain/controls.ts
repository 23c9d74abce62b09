/**
 * What an auditor reads beside the request: the controls a policy implements, the risk before and after
 * compensating controls, and why an exception ended.
 */

/** Control catalogs a mapping may name; an unknown one is refused when the configuration loads. */
export const controlCatalogs = [
  'nist-800-53-rev5',
  'iso-27001-2022',
  'soc2-2017',
  'csa-ccm-v4',
  'cis-kubernetes',
] as const;
export type ControlCatalog = (typeof controlCatalogs)[number];

export interface ControlRef {
  catalog: ControlCatalog;
  /** As the catalog writes it: `si-7`, `A.8.7`, `CC8.1`, `GRC-04`, `5.2.1`. */
  id: string;
}

/** Configuration: policy name → the controls it implements. */
export type ControlMapping = Record<string, ControlRef[]>;

export const controlsFor = (mapping: ControlMapping, policy: string): ControlRef[] =>
  (mapping[policy] ?? []).map((c) => ({ catalog: c.catalog, id: c.id }));

/** The stated scale of likelihood and impact: 1 (rare, negligible) to 5 (almost certain, severe). */
export const RISK_SCALE = { min: 1, max: 5 } as const;

export interface RiskScore {
  likelihood: number;
  impact: number;
}

/** A risk rating on the 1–5 scale, before and (when compensating controls apply) after them. */
export interface RiskRating {
  before: RiskScore;
  after: RiskScore | null;
}

/** Five levels from likelihood × impact (1–25), as a 5×5 matrix reads. */
export function riskLevel({
  likelihood,
  impact,
}: RiskScore): 'very-low' | 'low' | 'moderate' | 'high' | 'very-high' {
  const product = likelihood * impact;
  if (product >= 20) return 'very-high';
  if (product >= 12) return 'high';
  if (product >= 6) return 'moderate';
  if (product >= 3) return 'low';
  return 'very-low';
}

/**
 * A score as `--risk-before` and the request form take it: `LIKELIHOOD:IMPACT` (or `L/I`), e.g. `4:3`.
 * Undefined when it is not that shape; the scale is `riskScoreProblem`'s to judge.
 */
export function parseRiskScore(text: string): RiskScore | undefined {
  const m = /^\s*(\d{1,2})\s*[:/]\s*(\d{1,2})\s*$/.exec(text);
  return m ? { likelihood: Number(m[1]), impact: Number(m[2]) } : undefined;
}

/** What a score that is not `LIKELIHOOD:IMPACT` is told, as the flag and the form field both say it. */
export const riskScoreShapeProblem = (typed: string): string =>
  `must be LIKELIHOOD:IMPACT, each ${RISK_SCALE.min} to ${RISK_SCALE.max} (e.g. 4:3), not "${typed.trim()}"`;

/** Why a score is off the stated scale, or undefined when both points are on it. */
export function riskScoreProblem({ likelihood, impact }: RiskScore): string | undefined {
  const off = (n: number) => !Number.isInteger(n) || n < RISK_SCALE.min || n > RISK_SCALE.max;
  if (off(likelihood) || off(impact))
    return `likelihood and impact must each be from ${RISK_SCALE.min} to ${RISK_SCALE.max}, not ${likelihood}:${impact}`;
  return undefined;
}

/**
 * Compensating controls lower a risk: a rating after them above the rating before them is a slip (the
 * two swapped). Undefined when the rating holds together.
 */
export function riskAfterProblem({ before, after }: RiskRating): string | undefined {
  const score = (s: RiskScore) => s.likelihood * s.impact;
  if (after && score(after) > score(before))
    return `the risk after compensating controls (${after.likelihood}:${after.impact}) is above the risk before them (${before.likelihood}:${before.impact})`;
  return undefined;
}

/** A stated false positive is a claim the approver accepts as risk: a blank one would be approved as nothing. */
export const MIN_FALSE_POSITIVE_LENGTH = 20;

export const falsePositiveProblem = (why: string): string | undefined =>
  why.trim().length >= MIN_FALSE_POSITIVE_LENGTH
    ? undefined
    : `must say why the finding is a false positive (at least ${MIN_FALSE_POSITIVE_LENGTH} characters)`;

export const formatRisk = (s: RiskScore): string =>
  `likelihood ${s.likelihood}/5, impact ${s.impact}/5 (${riskLevel(s)})`;

/** Why an exception ended, as an auditor asks it. */
export const closureReasons = [
  'expired-and-removed',
  'revoked',
  'no-longer-needed',
  'superseded-by-renewal',
  'escalated',
] as const;
export type ClosureReason = (typeof closureReasons)[number];

/** What a person may say when they end an exception early (the others follow from what happened). */
export const revokeClosures = ['revoked', 'no-longer-needed', 'escalated'] as const;
export type RevokeClosure = (typeof revokeClosures)[number];

/**
 * The closure reason an ending action records: expiry and a renewal's apply say it themselves; a revoke
 * says what its revoker gave, or, for an exception escalated into a policy change, `escalated`.
 */
export function closureOf(
  action: 'revoke' | 'expire' | 'supersede',
  escalated: boolean,
  given?: RevokeClosure,
): ClosureReason {
  if (action === 'expire') return 'expired-and-removed';
  if (action === 'supersede') return 'superseded-by-renewal';
  return given ?? (escalated ? 'escalated' : 'revoked');
}

/** For records that ended before closure reasons were recorded: derived from how they ended. */
export function derivedClosure(
  endReason: 'expired' | 'revoked' | 'superseded' | null,
  escalated: boolean,
): ClosureReason | null {
  switch (endReason) {
    case null:
      return null;
    case 'expired':
      return 'expired-and-removed';
    case 'superseded':
      return 'superseded-by-renewal';
    case 'revoked':
      return escalated ? 'escalated' : 'revoked';
  }
}
