import type { Generated } from 'kysely';

/** Tables as stored. Lists are JSON text and instants RFC3339 text, so SQLite and PostgreSQL share one schema. */
export interface ExceptionsTable {
  id: Generated<number>;
  name: string;
  policy: string;
  rules: string;
  kinds: string;
  namespaces: string;
  names: string;
  category: string;
  ticket: string;
  reason: string;
  risk_assessment: string | null;
  expires_at: string;
  /** JSON `{before, after}` (migration 0011). */
  risk_rating: string | null;
  compensating_controls: string | null;
  /** JSON list of CEL expressions (migration 0014); null on rows without any. */
  validations: string | null;
  /** The requester's statement that the finding is a false positive (migration 0015). */
  false_positive: string | null;
  /** JSON list of `{catalog, id}`; null on rows from before migration 0011. */
  controls: string | null;
  closure_reason: string | null;
  /** JSON `{podSecurity, images, allowedValues}` (migration 0016); null when it exempts the whole rule. */
  exemptions: string | null;
  state: string;
  end_reason: string | null;
  sync_status: string;
  sync_error: string | null;
  requestor: string;
  approver: string | null;
  applier: string | null;
  requested_at: string;
  approved_at: string | null;
  applied_at: string | null;
  removed_at: string | null;
  reminded_at: string | null;
  escalated_at: string | null;
  renewal_of: number | null;
  renewal_count: number;
  api_version: string;
  /** Null only between migration 0006 and the adoption of older rows by the default target. */
  target: string | null;
  sync_revision: string | null;
  sync_url: string | null;
  version: number;
}

export interface AuditEventsTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  exception_id: number | null;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface ApiTokensTable {
  id: string;
  /** The first 16 hex digits of the hash: finds the row; the whole hash is then compared in constant time. */
  lookup: string;
  hash: string;
  owner: string;
  roles: string;
  description: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

/** One row: a counter every write transaction bumps, so readers can tell that nothing changed. */
export interface StoreMetaTable {
  id: number;
  version: number;
}

/** The outbox: one notification per event and channel, written with the change that caused it. */
export interface NotificationsTable {
  id: Generated<number>;
  key: string;
  channel: string;
  event: string;
  exception_id: number | null;
  recipients: string;
  payload: string;
  state: string;
  attempts: number;
  next_attempt_at: string;
  /** A dispatcher's claim: nobody else delivers the row until it lapses. */
  claimed_by: string | null;
  claimed_until: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface NotificationAttemptsTable {
  id: Generated<number>;
  notification_id: number;
  at: string;
  channel: string;
  status: string;
  error: string | null;
}

/** The data migrations that ran on this database, each once (the service's, which need the configuration). */
export interface DataMigrationsTable {
  name: string;
  ran_at: string;
}

export interface RequestOriginsTable {
  exception_id: number;
  origin: string;
}

export interface Database {
  exceptions: ExceptionsTable;
  audit_events: AuditEventsTable;
  api_tokens: ApiTokensTable;
  leases: LeasesTable;
  store_meta: StoreMetaTable;
  notifications: NotificationsTable;
  notification_attempts: NotificationAttemptsTable;
  data_migrations: DataMigrationsTable;
  request_origins: RequestOriginsTable;
}
