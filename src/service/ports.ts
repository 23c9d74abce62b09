import type { AuditEvent, ChainBreak, NewAuditEvent } from '../domain/audit.js';
import type { ExceptionRecord, NewExceptionRecord, StoredState, SyncStatus } from '../domain/exception.js';
import type { PolicyExceptionManifest } from '../domain/manifest.js';

/** The source of "now". Every use case reads time here, so tests move a clock instead of sleeping. */
export interface Clock {
  now(): number;
}

export interface ExceptionQuery {
  states?: readonly StoredState[];
  syncStatuses?: readonly SyncStatus[];
  namespace?: string;
}

export interface AuditQuery {
  exceptionId?: number;
}

export interface StoreReader {
  getException(id: number): Promise<ExceptionRecord | undefined>;
  /** Every exception with this name, newest first. */
  findByName(name: string): Promise<ExceptionRecord[]>;
  listExceptions(query?: ExceptionQuery): Promise<ExceptionRecord[]>;
  listAudit(query?: AuditQuery): Promise<AuditEvent[]>;
}

export interface StoreWriter extends StoreReader {
  insertException(record: NewExceptionRecord): Promise<ExceptionRecord>;
  /** Saves a changed record; fails with `conflict` if someone else changed it since it was read. */
  updateException(record: ExceptionRecord): Promise<ExceptionRecord>;
  /** Appends to the audit hash chain. */
  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
}

/** Where desired state lives. One mutating use case is one `transaction`. */
export interface ExceptionStore extends StoreReader {
  transaction<T>(work: (tx: StoreWriter) => Promise<T>): Promise<T>;
  /** Recomputes the audit hash chain; the first broken link, or undefined when intact. */
  verifyAudit(): Promise<ChainBreak | undefined>;
  close(): Promise<void>;
}

/** Where Kyverno reads exceptions from: a GitOps folder or a cluster. Both operations are idempotent. */
export interface Target {
  readonly description: string;
  write(manifest: PolicyExceptionManifest): Promise<void>;
  remove(namespace: string, name: string): Promise<void>;
}

export type NotificationKind = 'reminder' | 'expired';

export interface Notification {
  kind: NotificationKind;
  exception: ExceptionRecord;
  /** People to tell: the requestor, the approver, the applier. */
  recipients: string[];
  text: string;
}

/** Tells people about reminders and expiries. Delivery happens after commit. */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}
