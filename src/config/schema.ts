import { z } from 'zod';
import { apiVersions, categories } from '../domain/exception.js';
import { roles } from '../domain/roles.js';

const positiveDays = z.number().positive().max(3650);
const label = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label')
  .max(63);

const roleList = z.array(z.enum(roles)).min(1);

/** OpenID Connect bearer tokens: whose signature, for whom, and which groups grant which roles. */
const OidcSchema = z
  .strictObject({
    issuer: z.url(),
    audience: z.string().min(1),
    jwksUrl: z.url().optional(),
    jwksFile: z.string().min(1).optional(),
    clockSkewSeconds: z.number().int().min(0).max(600).optional(),
    usernameClaim: z.string().min(1).optional(),
    groupsClaim: z.string().min(1).optional(),
    roleMap: z.record(z.string().min(1), roleList),
  })
  .refine((o) => (o.jwksUrl === undefined) !== (o.jwksFile === undefined), {
    message: 'give exactly one of jwksUrl and jwksFile',
    path: ['jwksUrl'],
  });

const ServerSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  /** Seconds between two runs of the periodic work (reminders, expiry, retries). */
  sweepIntervalSeconds: z.number().int().min(1).max(86_400).optional(),
  corsOrigins: z.array(z.url()).optional(),
  failedAuthPerMinute: z.number().int().min(1).optional(),
  /** A client that has not sent its request's headers within this long is disconnected. */
  headersTimeoutSeconds: z.number().int().min(1).max(600).optional(),
  /** A request (body included) must arrive within this long, and a connection may idle no longer. */
  requestTimeoutSeconds: z.number().int().min(1).max(3600).optional(),
  /** Where a generated first admin token is written when stdout is not a terminal. */
  adminTokenFile: z.string().min(1).optional(),
  /** Heap of one lint request's worker thread; a lint needing more is refused (422). */
  lintMemoryMb: z.number().int().min(8).max(4096).optional(),
  /** A lint request taking longer is stopped and refused (422). */
  lintTimeoutSeconds: z.number().int().min(1).max(300).optional(),
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutSeconds: z.number().int().min(1).max(600).optional(),
});

/** `waiver.yaml`: every key optional; what is absent takes the process document's default. */
export const ConfigFileSchema = z.strictObject({
  server: ServerSchema.optional(),
  /** Write exceptions to a cluster: a kubeconfig (else KUBECONFIG, ~/.kube/config or in-cluster) and context. */
  kubernetes: z
    .strictObject({
      kubeconfig: z.string().min(1).optional(),
      context: z.string().min(1).optional(),
      /** Each call to the API server may take this long before it is aborted (and retried). */
      timeoutSeconds: z.number().int().min(1).max(300).optional(),
      /** How often a call that failed transiently (5xx, 409, 429, timeouts) is tried in all. */
      attempts: z.number().int().min(1).max(10).optional(),
    })
    .optional(),
  oidc: OidcSchema.optional(),
  database: z.string().min(1).optional(),
  /** SQLite's durability (decision 0011): `normal` survives a process crash, `full` a power cut too. */
  sqliteSynchronous: z.enum(['normal', 'full']).optional(),
  targetDir: z.string().min(1).optional(),
  exceptionNamespace: label.optional(),
  kyvernoNamespace: label.optional(),
  apiVersion: z.enum(apiVersions).optional(),
  defaultPolicy: z.string().min(1).optional(),
  defaultRules: z.array(z.string().min(1)).min(1).optional(),
  maxDays: positiveDays.optional(),
  maxDaysByCategory: z.partialRecord(z.enum(categories), positiveDays).optional(),
  reminderDays: positiveDays.optional(),
  minReasonLength: z.number().int().min(1).optional(),
  minNamePrefix: z.number().int().min(1).optional(),
  ticketPattern: z
    .string()
    .refine((p) => {
      try {
        new RegExp(p);
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression')
    .optional(),
  incidentTicketPrefixes: z.array(z.string().min(1)).optional(),
  invalidReasons: z
    .array(
      z.strictObject({
        phrase: z.string().min(1),
        rule: z.string().min(1),
        allowedFor: z.array(z.enum(categories)).optional(),
      }),
    )
    .optional(),
  protectedNamespaces: z.array(z.string()).optional(),
  requireDistinctApplier: z.boolean().optional(),
  maxRenewals: z.number().int().min(0).optional(),
  metrics: z
    .strictObject({
      windowDays: positiveDays.optional(),
      targetAverageDays: z.number().positive().optional(),
      targetRenewalRate: z.number().min(0).max(1).optional(),
      targetExpiredRemovedRate: z.number().min(0).max(1).optional(),
      removalGraceMinutes: z.number().positive().optional(),
      trendWeeks: z.number().int().min(2).max(104).optional(),
    })
    .optional(),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;
export type OidcConfig = z.infer<typeof OidcSchema>;
