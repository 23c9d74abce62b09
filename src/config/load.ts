import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { WaiverError } from '../domain/errors.js';
import { defaultSettings, type ProcessSettings } from '../domain/settings.js';
import type { NotificationSettings } from '../domain/notification-channels.js';
import type { NotificationRouting } from '../domain/notification-routes.js';
import { notificationsConfig } from './notifications.js';
import type { ConfigFile, OidcConfig } from './schema.js';
import { targetsConfig, type CurrentContext, type TargetConfig } from './targets.js';

/** What the command line says; it overrides the environment, which overrides the file. */
export interface ConfigFlags {
  config?: string | undefined;
  db?: string | undefined;
  database?: string | undefined;
  targetDir?: string | undefined;
  as?: string | undefined;
  server?: string | undefined;
  token?: string | undefined;
  kubeconfig?: string | undefined;
  context?: string | undefined;
  /** Run as `kubectl waiver`: kubectl's cluster is the target unless a folder is named. */
  kubectlPlugin?: boolean | undefined;
}

export interface ServerConfig {
  host: string;
  port: number;
  sweepIntervalSeconds: number;
  corsOrigins: string[];
  failedAuthPerMinute: number;
  /** Lint requests run in worker threads within these limits. */
  lint: { memoryMb: number; timeoutSeconds: number };
  /** Slow or silent clients are disconnected: no request can hold a connection for long. */
  timeouts: { headersSeconds: number; requestSeconds: number; keepAliveSeconds: number };
  /** WAIVER_ADMIN_TOKEN: the first admin token, chosen by the operator (never printed). */
  adminToken: string | undefined;
  /** Where a generated first admin token is written when stdout is not a terminal (mode 0600). */
  adminTokenFile: string;
  /** The Ed25519 private key file evidence bundles are signed with (GET /api/v1/audit/bundle), if any. */
  evidenceKeyFile: string | undefined;
  /** WAIVER_LOG_LEVEL: pino's level for the server's JSON log; `info` logs every request. */
  logLevel: LogLevel;
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export { VERSION } from '../version.js';

export interface Config {
  settings: ProcessSettings;
  /** A SQLite file's absolute path, or a postgres:// URL. */
  database: string;
  /** Only the embedded default database's folder is made on demand; a configured one must exist. */
  createDatabaseFolder: boolean;
  /** SQLite's durability (decision 0011). */
  sqliteSynchronous: 'normal' | 'full';
  /** PostgreSQL: how long a statement may run, or a request wait for a connection, before it ends (503). */
  statementTimeoutSeconds: number;
  /** Where exceptions live, by name (decision 0015); each record names one at request time. */
  targets: Readonly<Record<string, TargetConfig>>;
  /** The target a request gets when it names none. */
  defaultTarget: string;
  user: string;
  server: ServerConfig;
  oidc: OidcConfig | undefined;
  /** Channels (secrets read), people, delivery; and which events go where. */
  notifications: NotificationSettings;
  notificationRouting: NotificationRouting;
  /** Remote mode: the server to call and the token to call it with. */
  remote: { url: string; token: string } | undefined;
}

/** 0 (any free port) to 65535. */
export const isPort = (text: string): boolean => /^\d{1,5}$/.test(text) && Number(text) <= 65535;

export const isPostgresUrl = (database: string): boolean => /^postgres(ql)?:\/\//.test(database);

export const DEFAULT_DATABASE = './.waiver/waiver.db';
/** Well inside the server's request timeout (60 s), so a frozen database is answered 503, not dropped. */
export const DEFAULT_STATEMENT_TIMEOUT_SECONDS = 20;
export { DEFAULT_TARGET_DIR } from './targets.js';
export const DEFAULT_ADMIN_TOKEN_FILE = './.waiver/admin-token';

/**
 * Reads configuration once: file, then environment, then flags. The result is frozen. The file's parser
 * and schema load only when there is a file.
 */
export async function loadConfig(
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv = process.env,
  /** How a cluster named by no context gets its name: the kubeconfig's current context (see src/wire/deps.ts). */
  currentContext?: CurrentContext,
): Promise<Config> {
  const configPath = flags.config ?? env['WAIVER_CONFIG'];
  const file = configPath ? (await import('./read-file.js')).readConfigFile(configPath) : {};
  // Paths in the file are relative to the file, as in a kubeconfig; flags and env to the working folder.
  const fromFile = (path: string | undefined): string | undefined =>
    path === undefined || configPath === undefined ? undefined : resolve(dirname(configPath), path);
  // With named targets, WAIVER_TARGET_DIR (an environment's default) has no say; the flag is refused.
  const targetDir = flags.targetDir ?? (file.targets ? undefined : env['WAIVER_TARGET_DIR']);
  const fileDatabase = typeof file.database === 'string' ? file.database : file.database?.url;
  const database =
    flags.database ??
    flags.db ??
    env['WAIVER_DATABASE_URL'] ??
    env['WAIVER_DB'] ??
    (fileDatabase && isPostgresUrl(fileDatabase) ? fileDatabase : fromFile(fileDatabase));
  const notifications = notificationsConfig(file, { env, fromFile });
  const targets = await targetsConfig(
    file,
    {
      targetDir,
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      kubectlPlugin: flags.kubectlPlugin === true,
    },
    { env, fromFile },
    currentContext,
  );
  return Object.freeze({
    settings: Object.freeze(mergeSettings(file)),
    notifications: notifications.settings,
    notificationRouting: notifications.routing,
    database: database && isPostgresUrl(database) ? database : resolve(database ?? DEFAULT_DATABASE),
    createDatabaseFolder: database === undefined,
    sqliteSynchronous: file.sqliteSynchronous ?? 'normal',
    statementTimeoutSeconds:
      (typeof file.database === 'object' ? file.database.statementTimeoutSeconds : undefined) ??
      DEFAULT_STATEMENT_TIMEOUT_SECONDS,
    targets: Object.freeze(targets.targets),
    defaultTarget: targets.defaultTarget,
    user: identity(flags.as ?? env['WAIVER_USER']),
    server: serverConfig(file, env),
    oidc: file.oidc && {
      ...file.oidc,
      ...(file.oidc.jwksFile ? { jwksFile: fromFile(file.oidc.jwksFile) } : {}),
    },
    remote: remoteConfig(flags.server ?? env['WAIVER_SERVER'], flags.token ?? env['WAIVER_TOKEN'], flags.as),
  });
}

function serverConfig(file: ConfigFile, env: NodeJS.ProcessEnv): ServerConfig {
  const port = env['WAIVER_PORT'];
  if (port !== undefined && !isPort(port))
    throw new WaiverError(
      'usage',
      `WAIVER_PORT must be a port number (0-65535), not "${port}"`,
      'WAIVER_PORT',
    );
  const logLevel = env['WAIVER_LOG_LEVEL'] ?? 'info';
  if (!(logLevels as readonly string[]).includes(logLevel))
    throw new WaiverError(
      'usage',
      `WAIVER_LOG_LEVEL must be one of ${logLevels.join(', ')}`,
      'WAIVER_LOG_LEVEL',
    );
  return {
    host: env['WAIVER_HOST'] ?? file.server?.host ?? '127.0.0.1',
    port: port !== undefined ? Number(port) : (file.server?.port ?? 8080),
    sweepIntervalSeconds: file.server?.sweepIntervalSeconds ?? 60,
    corsOrigins: file.server?.corsOrigins ?? [],
    failedAuthPerMinute: file.server?.failedAuthPerMinute ?? 20,
    lint: {
      memoryMb: file.server?.lintMemoryMb ?? 256,
      timeoutSeconds: file.server?.lintTimeoutSeconds ?? 10,
    },
    timeouts: {
      headersSeconds: file.server?.headersTimeoutSeconds ?? 10,
      requestSeconds: file.server?.requestTimeoutSeconds ?? 60,
      keepAliveSeconds: file.server?.keepAliveTimeoutSeconds ?? 5,
    },
    adminToken: env['WAIVER_ADMIN_TOKEN'],
    adminTokenFile: resolve(file.server?.adminTokenFile ?? DEFAULT_ADMIN_TOKEN_FILE),
    evidenceKeyFile: file.server?.evidenceKeyFile && resolve(file.server.evidenceKeyFile),
    logLevel: logLevel as LogLevel,
  };
}

function remoteConfig(
  url: string | undefined,
  token: string | undefined,
  as: string | undefined,
): Config['remote'] {
  if (!url) return undefined;
  if (as !== undefined)
    throw new WaiverError(
      'usage',
      '--as acts in local mode only: the server knows you by your token (--token or WAIVER_TOKEN)',
      'as',
    );
  if (!/^https?:\/\/[^\s]+$/.test(url))
    throw new WaiverError('usage', `--server must be an http(s) URL, not "${url}"`, 'server');
  if (!token) throw new WaiverError('usage', '--server needs a token: --token or WAIVER_TOKEN', 'token');
  return { url: url.replace(/\/+$/, ''), token };
}

function mergeSettings(file: ConfigFile): ProcessSettings {
  const {
    database: _db,
    sqliteSynchronous: _synchronous,
    targetDir: _dir,
    server: _server,
    oidc: _oidc,
    kubernetes: _kubernetes,
    targets: _targets,
    defaultTarget: _defaultTarget,
    notifications: _notifications,
    metrics,
    maxDaysByCategory,
    invalidReasons,
    ...rest
  } = file;
  const settings: ProcessSettings = { ...defaultSettings, metrics: { ...defaultSettings.metrics } };
  Object.assign(settings, dropUndefined(rest));
  if (metrics) Object.assign(settings.metrics, dropUndefined(metrics));
  if (maxDaysByCategory)
    settings.maxDaysByCategory = { ...defaultSettings.maxDaysByCategory, ...maxDaysByCategory };
  if (invalidReasons)
    settings.invalidReasons = invalidReasons.map((r) => ({
      phrase: r.phrase,
      rule: r.rule,
      ...(r.allowedFor ? { allowedFor: r.allowedFor } : {}),
    }));
  return settings;
}

const dropUndefined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function identity(given: string | undefined): string {
  const name = given?.trim() || userInfo().username;
  if (!/^[\w.@+-]{1,254}$/.test(name))
    throw new WaiverError('usage', `"${name}" is not a valid identity (letters, digits, . @ + - _)`, 'as');
  return name;
}
