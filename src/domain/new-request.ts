import type { ControlRef } from './controls.js';
import type { AuditAction } from './lifecycle.js';
import { hasExemptions, NO_EXEMPTIONS, type Exemptions } from './exemptions.js';
import type {
  ApiVersion,
  ExceptionRecord,
  ExceptionScope,
  Justification,
  NewExceptionRecord,
} from './exception.js';

export interface NewRequestInput {
  scope: ExceptionScope;
  justification: Justification;
  requestor: string;
  /** RFC3339 UTC. */
  now: string;
  apiVersion: ApiVersion;
  /** The named target it will live on; a renewal stays on its exception's target. */
  target: string;
  /** Set when this request renews an exception. */
  renewing?: ExceptionRecord;
  /** The controls the configuration maps its policy to, recorded with it. */
  controls?: readonly ControlRef[];
  /** What it exempts inside its scope (Pod Security controls, a CEL policy's lists); none: all of it. */
  exemptions?: Exemptions;
}

export interface NewRequest {
  record: NewExceptionRecord;
  event: { action: AuditAction; data: Record<string, unknown> };
}

/**
 * The first step of the lifecycle, as `transition()` is every later one: a pending record with nothing
 * decided yet, and the audit event that records the request. Guardrails are checked before.
 */
export function newRequest({
  scope,
  justification,
  requestor,
  now,
  apiVersion,
  target,
  renewing,
  controls = [],
  exemptions = NO_EXEMPTIONS,
}: NewRequestInput): NewRequest {
  const record: NewExceptionRecord = {
    ...scope,
    ...justification,
    podSecurity: exemptions.podSecurity.map((e) => ({ ...e, images: [...e.images], values: [...e.values] })),
    images: [...exemptions.images],
    allowedValues: [...exemptions.allowedValues],
    state: 'pending',
    endReason: null,
    closureReason: null,
    controls: controls.map((c) => ({ catalog: c.catalog, id: c.id })),
    syncStatus: 'none',
    syncError: null,
    requestor,
    approver: null,
    applier: null,
    requestedAt: now,
    approvedAt: null,
    appliedAt: null,
    removedAt: null,
    remindedAt: null,
    escalatedAt: null,
    renewalOf: renewing?.id ?? null,
    renewalCount: renewing ? renewing.renewalCount + 1 : 0,
    apiVersion,
    target: renewing?.target ?? target,
    syncRevision: null,
    syncUrl: null,
  };
  return {
    record,
    event: {
      action: renewing ? 'renewal_requested' : 'requested',
      data: {
        ...scope,
        ...justification,
        renewalOf: record.renewalOf,
        target: record.target,
        controls: record.controls,
        // Only when there are some: the events of requests without them read as they always did.
        ...(hasExemptions(record)
          ? { podSecurity: record.podSecurity, images: record.images, allowedValues: record.allowedValues }
          : {}),
      },
    },
  };
}
