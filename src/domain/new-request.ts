import type { ControlRef } from './controls.js';
import type { AuditAction } from './lifecycle.js';
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
}: NewRequestInput): NewRequest {
  const record: NewExceptionRecord = {
    ...scope,
    ...justification,
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
      },
    },
  };
}
