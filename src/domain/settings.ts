import type { ControlMapping } from './controls.js';
import type { ApiVersion, Category } from './exception.js';

/** A phrase that states one of the process document's invalid reasons. */
export interface InvalidReason {
  phrase: string;
  rule: string;
  /** The phrase is acceptable for these categories (a hurry is fine in an incident). */
  allowedFor?: Category[] | undefined;
}

/** The rules of the exception process. Defaults equal the process document; every one is configurable. */
export interface ProcessSettings {
  exceptionNamespace: string;
  /** What Kyverno's --exceptionNamespace names, when not exceptionNamespace: `*` is every namespace. */
  kyvernoExceptionNamespace?: string | undefined;
  kyvernoNamespace: string;
  apiVersion: ApiVersion;
  defaultPolicy: string;
  defaultRules: string[];
  maxDays: number;
  maxDaysByCategory: Partial<Record<Category, number>>;
  reminderDays: number;
  minReasonLength: number;
  minNamePrefix: number;
  ticketPattern: string;
  incidentTicketPrefixes: string[];
  invalidReasons: InvalidReason[];
  protectedNamespaces: string[];
  requireDistinctApplier: boolean;
  /**
   * Separation of duties compares identities in any case (`Alice` is `alice`). E-mail addresses are
   * always compared so; off, other names must match exactly.
   */
  identitiesIgnoreCase: boolean;
  maxRenewals: number;
  /** An exception in effect this long that no policy report shows exempting anything is flagged unused. */
  unusedDays: number;
  /**
   * An exception whose every covered resource would now pass its policy without it is flagged
   * no-longer-needed; on, the controller also revokes it (audited as revoked for that reason by
   * waiver-controller). Off by default: a person decides.
   */
  autoRevokeNoLongerNeeded: boolean;
  metrics: MetricSettings;
  /** Policy name → the controls it implements (shown on requests and in every export). */
  controls: ControlMapping;
}

export interface MetricSettings {
  windowDays: number;
  targetAverageDays: number;
  targetRenewalRate: number;
  targetExpiredRemovedRate: number;
  removalGraceMinutes: number;
  trendWeeks: number;
}

export const defaultSettings: ProcessSettings = {
  exceptionNamespace: 'policy-exceptions',
  kyvernoNamespace: 'kyverno',
  apiVersion: 'kyverno.io/v2',
  defaultPolicy: 'require-image-signature',
  defaultRules: ['check-image-signature'],
  maxDays: 30,
  maxDaysByCategory: { 'emergency-hotfix': 7 },
  reminderDays: 7,
  minReasonLength: 30,
  minNamePrefix: 3,
  ticketPattern: '^[A-Z][A-Z0-9]+-[0-9]+$',
  incidentTicketPrefixes: ['INC', 'INCIDENT'],
  invalidReasons: [
    { phrase: 'too much work', rule: 'the effort of signing is not a valid reason' },
    { phrase: 'too much effort', rule: 'the effort of signing is not a valid reason' },
    {
      phrase: 'hurry',
      rule: 'a hurry is a valid reason only in an emergency',
      allowedFor: ['emergency-hotfix'],
    },
    { phrase: 'just this once', rule: '"just this once" tends to become permanent' },
    { phrase: 'permanent', rule: 'a permanent bypass needs a policy change: escalate instead' },
    { phrase: 'forever', rule: 'a permanent bypass needs a policy change: escalate instead' },
    { phrase: 'convenience', rule: 'a convenience bypass is not a valid reason' },
  ],
  protectedNamespaces: ['kube-system'],
  requireDistinctApplier: true,
  identitiesIgnoreCase: true,
  maxRenewals: 2,
  unusedDays: 7,
  controls: {},
  // Flag an exception that is no longer needed (a queue item and one notification), never end it alone.
  autoRevokeNoLongerNeeded: false,
  metrics: {
    windowDays: 90,
    targetAverageDays: 14,
    targetRenewalRate: 0.1,
    targetExpiredRemovedRate: 1,
    removalGraceMinutes: 60,
    trendWeeks: 8,
  },
};

export function maxDaysFor(settings: ProcessSettings, category: Category): number {
  return Math.min(settings.maxDays, settings.maxDaysByCategory[category] ?? settings.maxDays);
}
