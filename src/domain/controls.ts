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
