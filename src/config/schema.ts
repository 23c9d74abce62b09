import * as z from 'zod';
import { controlCatalogs } from '../domain/controls.js';
import { apiVersions, categories } from '../domain/exception.js';
import { notificationEvents } from '../domain/notification.js';
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
    /** The web UI's public client at the provider (authorization code with PKCE); default: the audience. */
    webClientId: z.string().min(1).optional(),
  })
  .refine((o) => (o.jwksUrl === undefined) !== (o.jwksFile === undefined), {
    message: 'give exactly one of jwksUrl and jwksFile',
    path: ['jwksUrl'],
  });

const ServerSchema = z.strictObject({
  host: z.string().min(1).optional(),
  /** Where people reach this server: links in notifications point there. */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
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
  /** An Ed25519 private key (PEM) the server signs evidence bundles with; read at start, never stored. */
  evidenceKeyFile: z.string().min(1).optional(),
  /** Heap of one lint request's worker thread; a lint needing more is refused (422). */
  lintMemoryMb: z.number().int().min(8).max(4096).optional(),
  /** A lint request taking longer is stopped and refused (422). */
  lintTimeoutSeconds: z.number().int().min(1).max(300).optional(),
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutSeconds: z.number().int().min(1).max(600).optional(),
});

/** A secret is never written in waiver.yaml: it is read from an environment variable or a file. */
const SecretSchema = z
  .strictObject(
    {
      env: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
        .optional(),
      file: z.string().min(1).optional(),
    },
    { error: 'is a secret: give { env: VARIABLE } or { file: PATH }, never the value itself' },
  )
  .refine((s) => (s.env === undefined) !== (s.file === undefined), 'give exactly one of env and file');

const timeoutSeconds = z.number().int().min(1).max(120).optional();

const ChannelSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('log') }),
  z.strictObject({ type: z.literal('slack'), url: SecretSchema, timeoutSeconds }),
  z.strictObject({ type: z.literal('teams'), url: SecretSchema, timeoutSeconds }),
  z.strictObject({
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    /** Standard Webhooks' signing secret: `whsec_` and base64. */
    secret: SecretSchema,
    timeoutSeconds,
  }),
  z.strictObject({
    type: z.literal('email'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    /** TLS from the first byte (port 465); otherwise STARTTLS. */
    tls: z.boolean().optional(),
    starttls: z.enum(['required', 'opportunistic', 'never']).optional(),
    user: z.string().min(1).optional(),
    password: SecretSchema.optional(),
    /** PEM file of a private CA the server's certificate is signed by. */
    caFile: z.string().min(1).optional(),
    from: z.string().min(3),
    replyTo: z.string().min(3).optional(),
    timeoutSeconds,
  }),
]);

const identity = z.string().regex(/^[\w.@+-]{1,254}$/, 'must be an identity (letters, digits, . @ + - _)');

const NotificationsSchema = z.strictObject({
  channels: z.record(label, ChannelSchema).optional(),
  /** Which events go to which channels; with channels and no routes, every event goes to every channel. */
  routes: z
    .array(
      z.strictObject({
        events: z.array(z.enum(notificationEvents)).min(1).optional(),
        namespaces: z.array(z.string().min(1)).min(1).optional(),
        policies: z.array(z.string().min(1)).min(1).optional(),
        channels: z.array(z.string().min(1)).min(1),
      }),
    )
    .optional(),
  /** Identity to addresses; an identity that is an e-mail address needs no entry. */
  people: z
    .record(
      identity,
      z.strictObject({
        email: z.email().optional(),
        slack: z
          .string()
          .regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack member id (U…)')
          .optional(),
      }),
    )
    .optional(),
  groups: z
    .strictObject({
      approvers: z.array(identity).optional(),
      security: z.array(identity).optional(),
      policyOwners: z.record(z.string().min(1), z.array(identity)).optional(),
    })
    .optional(),
  /** A failed delivery is tried again after 30 s, 60 s, … up to the cap, and is dead after this many tries. */
  maxAttempts: z.number().int().min(1).max(100).optional(),
  backoffSeconds: z.number().int().min(1).max(86_400).optional(),
  maxBackoffSeconds: z.number().int().min(1).max(86_400).optional(),
  /** How often a server or controller looks for notifications to deliver. */
  intervalSeconds: z.number().int().min(1).max(3600).optional(),
  /** How long a dispatcher's claim on a notification keeps others off (a crashed one's lapses then). */
  claimSeconds: z.number().int().min(2).max(3600).optional(),
});

const KubernetesSchema = z.strictObject({
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  /** Each call to the API server may take this long before it is aborted (and retried). */
  timeoutSeconds: z.number().int().min(1).max(300).optional(),
  /** How often a call that failed transiently (5xx, 409, 429, timeouts) is tried in all. */
  attempts: z.number().int().min(1).max(10).optional(),
});

/** A GitOps repository: apply, renewal and removal become commits (or pull requests) under `path`. */
const GitSchema = z
  .strictObject({
    /** What `git clone` takes: https://…, ssh://…, git@host:path, or a local path. */
    repository: z.string().min(1),
    branch: z
      .string()
      .regex(/^[\w./-]{1,200}$/, 'must be a branch name')
      .optional(),
    /** The folder in the repository that holds the PolicyExceptions (Argo CD or Flux syncs it). */
    path: z
      .string()
      .regex(/^(?!\/)(?!.*\.\.)[\w./-]{1,300}$/, 'must be a relative folder inside the repository')
      .optional(),
    /** An SSH private key for ssh:// and git@ repositories. */
    sshKeyFile: z.string().min(1).optional(),
    /** An HTTPS token (sent as a bearer header, never logged). */
    token: SecretSchema.optional(),
    /** Where Waiver keeps its clone; default .waiver/git/NAME. */
    workdir: z.string().min(1).optional(),
    author: z.strictObject({ name: z.string().min(1), email: z.string().min(3) }).optional(),
    /** Pull-request mode: each change is a branch and a pull (merge) request, applied when merged. */
    pullRequests: z
      .strictObject({
        forge: z.enum(['github', 'gitlab']),
        /** The forge's REST API: https://api.github.com, https://gitlab.example.com/api/v4. */
        api: z.url({ protocol: /^https?$/ }),
        /** owner/repo on GitHub; the project's path or id on GitLab. */
        project: z.string().min(1),
        token: SecretSchema,
        timeoutSeconds,
      })
      .optional(),
    timeoutSeconds,
  })
  .refine((g) => !(g.sshKeyFile && g.token), {
    message: 'give sshKeyFile or token, not both',
    path: ['token'],
  });

/** One named target: exactly one of cluster, directory and git (each one's errors named by its path). */
const TargetSchema = z
  .strictObject({
    cluster: KubernetesSchema.optional(),
    directory: z.strictObject({ path: z.string().min(1) }).optional(),
    git: GitSchema.optional(),
  })
  .refine((t) => [t.cluster, t.directory, t.git].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of cluster, directory and git',
  });

/** `waiver.yaml`: every key optional; what is absent takes the process document's default. */
export const ConfigFileSchema = z.strictObject({
  server: ServerSchema.optional(),
  /** Write exceptions to a cluster: a kubeconfig (else KUBECONFIG, ~/.kube/config or in-cluster) and context. */
  kubernetes: KubernetesSchema.optional(),
  /** Named targets (decision 0015); each exception records one at request time and stays on it. */
  targets: z.record(label, TargetSchema).optional(),
  /** The target a request gets when it names none; default: the first of `targets`. */
  defaultTarget: label.optional(),
  oidc: OidcSchema.optional(),
  notifications: NotificationsSchema.optional(),
  /** A SQLite file or a postgres:// URL; or, to set more, `{url, statementTimeoutSeconds}`. */
  database: z
    .union([
      z.string().min(1),
      z.strictObject({
        url: z.string().min(1).optional(),
        /** PostgreSQL: a statement, or waiting for a connection, ends after this long (503). */
        statementTimeoutSeconds: z.number().int().min(1).max(3600).optional(),
      }),
    ])
    .optional(),
  /** SQLite's durability (decision 0011): `normal` survives a process crash, `full` a power cut too. */
  sqliteSynchronous: z.enum(['normal', 'full']).optional(),
  targetDir: z.string().min(1).optional(),
  exceptionNamespace: label.optional(),
  kyvernoExceptionNamespace: z.union([label, z.literal('*')]).optional(),
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
  identitiesIgnoreCase: z.boolean().optional(),
  maxRenewals: z.number().int().min(0).optional(),
  unusedDays: positiveDays.optional(),
  /** Policy name → the controls it implements: `{catalog, id}`, the catalog one Waiver knows. */
  controls: z
    .record(
      z.string().min(1).max(253),
      z.array(z.strictObject({ catalog: z.enum(controlCatalogs), id: z.string().min(1).max(100) })).max(100),
    )
    .optional(),
  autoRevokeNoLongerNeeded: z.boolean().optional(),
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
export type GitFile = z.infer<typeof GitSchema>;
export type TargetFile = z.infer<typeof TargetSchema>;
export type NotificationsFile = z.infer<typeof NotificationsSchema>;
