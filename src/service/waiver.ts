import type { AuditEvent } from '../domain/audit.js';
import type { ApiVersion, ExceptionRecord } from '../domain/exception.js';
import type { Metrics } from '../domain/metrics.js';
import { exceptionView, type ExceptionView } from '../domain/view.js';
import type { Actor } from './actor.js';
import { applyException } from './apply-exception.js';
import { listAudit, reportMetrics, verifyAudit, type VerifyResult } from './audit-trail.js';
import type { ServiceDeps } from './deps.js';
import type { RenewInput, RequestInput } from './inputs.js';
import {
  describeException,
  getException,
  listExceptions,
  type ExceptionDetail,
  type ListFilter,
} from './list-exceptions.js';
import { renderException } from './render-exception.js';
import { renewException } from './renew-exception.js';
import { requestException } from './request-exception.js';
import {
  approveException,
  escalateException,
  rejectException,
  withdrawException,
} from './review-exception.js';
import { revokeException } from './revoke-exception.js';
import { sweep, type SweepReport } from './sweep.js';

export interface ApplyView {
  exception: ExceptionView;
  superseded?: ExceptionView;
}

/**
 * Every use case, bound to one caller. The CLI's local mode calls it in-process; remote mode calls the
 * HTTP API, which serves the same interface, so commands are written once.
 */
export interface Waiver {
  request(input: RequestInput): Promise<ExceptionView>;
  approve(ref: string, comment?: string): Promise<ExceptionView>;
  reject(ref: string, comment?: string): Promise<ExceptionView>;
  withdraw(ref: string, comment?: string): Promise<ExceptionView>;
  apply(ref: string, comment?: string): Promise<ApplyView>;
  revoke(ref: string, comment?: string): Promise<ExceptionView>;
  renew(ref: string, input: RenewInput): Promise<ExceptionView>;
  escalate(ref: string, comment?: string): Promise<ExceptionView>;
  get(ref: string): Promise<ExceptionView>;
  list(filter?: ListFilter): Promise<ExceptionView[]>;
  describe(ref: string): Promise<ExceptionDetail>;
  audit(ref?: string): Promise<AuditEvent[]>;
  verifyAudit(): Promise<VerifyResult>;
  metrics(atMs?: number): Promise<Metrics>;
  render(ref: string, apiVersion?: ApiVersion): Promise<string>;
  sweep(atMs?: number): Promise<SweepReport>;
  close(): Promise<void>;
}

export function createWaiver(deps: ServiceDeps, actor: Actor): Waiver {
  const view = async (pending: Promise<ExceptionRecord>): Promise<ExceptionView> =>
    exceptionView(await pending, deps.clock.now());
  return {
    request: (input) => view(requestException(deps, actor, input)),
    approve: (ref, comment) => view(approveException(deps, actor, ref, comment)),
    reject: (ref, comment) => view(rejectException(deps, actor, ref, comment)),
    withdraw: (ref, comment) => view(withdrawException(deps, actor, ref, comment)),
    apply: async (ref, comment) => {
      const { exception, superseded } = await applyException(deps, actor, ref, comment);
      const now = deps.clock.now();
      return {
        exception: exceptionView(exception, now),
        ...(superseded ? { superseded: exceptionView(superseded, now) } : {}),
      };
    },
    revoke: (ref, comment) => view(revokeException(deps, actor, ref, comment)),
    renew: (ref, input) => view(renewException(deps, actor, ref, input)),
    escalate: (ref, comment) => view(escalateException(deps, actor, ref, comment)),
    get: (ref) => getException(deps, actor, ref),
    list: (filter) => listExceptions(deps, actor, filter),
    describe: (ref) => describeException(deps, actor, ref),
    audit: (ref) => listAudit(deps, actor, ref),
    verifyAudit: () => verifyAudit(deps, actor),
    metrics: (atMs) => reportMetrics(deps, actor, atMs),
    render: (ref, apiVersion) => renderException(deps, actor, ref, apiVersion),
    sweep: (atMs) => sweep(deps, actor, atMs),
    close: () => deps.store.close(),
  };
}
