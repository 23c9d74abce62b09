/**
 * What every process shares: the store, the targets (clusters with their catalog and doctor), the clock
 * and the configured redactor, assembled once per process. Heavy modules (drivers, the Kubernetes client)
 * load on first use, so a cold `waiver get` pays only for the store it reads.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isPostgresUrl, type Config } from '../config/load.js';
import type { ServiceDeps } from '../service/deps.js';
import { SharedViews } from '../service/shared-views.js';
import type { ExceptionStore } from '../service/ports/store.js';
import { systemClock } from '../system/system-clock.js';
import { configuredRedactor } from '../configured-secrets.js';
import { openTargets, type LazyCluster, type TargetDecoration } from './lazy-targets.js';

/**
 * A kubeconfig's current context, for the one-target shorthand's name: read when the configuration is,
 * so a missing or unreadable kubeconfig is refused before any command runs.
 */
export async function currentContext(connection: { kubeconfig: string | undefined }): Promise<string> {
  const { loadKubeConfig } = await import('../targets/kubernetes/kube-config.js');
  const current = loadKubeConfig(connection).getCurrentContext();
  return current === 'inClusterContext' ? 'in-cluster' : current;
}

/**
 * Opens the configured store: a postgres:// URL or a SQLite file (whose folder is made only when asked:
 * the embedded default's). Each driver loads only when used.
 */
export async function openStore(
  database: string,
  options: {
    createFolder: boolean;
    synchronous?: 'normal' | 'full';
    longLived?: boolean;
    statementTimeoutSeconds?: number;
  } = {
    createFolder: false,
  },
): Promise<ExceptionStore> {
  if (isPostgresUrl(database))
    return (await import('../store/open-postgres.js')).openPostgresStore(database, {
      longLived: options.longLived !== false,
      ...(options.statementTimeoutSeconds === undefined
        ? {}
        : { statementTimeoutMs: options.statementTimeoutSeconds * 1000 }),
    });
  return (await import('../store/open-sqlite.js')).openSqliteStore(database, options);
}

/** One process's service deps and the clusters they use: its controllers share each connection. */
export interface Assembled {
  deps: ServiceDeps;
  clusters: Map<string, LazyCluster>;
  /** Rows from before named targets that this process gave its default target (said once, where it runs). */
  adopted: number;
}

export interface DepsOptions {
  clock?: ServiceDeps['clock'];
  /** A command, not a server or controller: nothing is cached for a next request. */
  command?: boolean;
  /** Wraps each target, e.g. to count what it does. */
  decorate?: TargetDecoration;
}

/** What every use case runs against: the store and the targets (clusters with their catalog and doctor). */
export async function openServiceDeps(config: Config, options: DepsOptions): Promise<ServiceDeps> {
  return (await assemble(config, options)).deps;
}

export async function assemble(config: Config, options: DepsOptions): Promise<Assembled> {
  const redact = configuredRedactor(config);
  const { targets, clusters } = openTargets(config, options, redact);
  const deps: ServiceDeps = {
    store: await openStore(config.database, {
      createFolder: config.createDatabaseFolder,
      synchronous: config.sqliteSynchronous,
      longLived: options.command !== true,
      statementTimeoutSeconds: config.statementTimeoutSeconds,
    }),
    targets,
    notifications: config.notificationRouting,
    clock: options.clock ?? systemClock,
    settings: config.settings,
    instance: `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`,
    redact,
    views: new SharedViews(),
  };
  try {
    // Rows from before named targets are adopted by this configuration's default target: a data migration
    // that runs once per database, at the first start after the upgrade.
    const adopted = await (await import('../service/adopt-untargeted.js')).adoptUntargeted(deps);
    return { deps, clusters, adopted };
  } catch (e) {
    await deps.store.close();
    throw e;
  }
}

/** What adoption did, in the words of the process's log. */
export const adoptedLine = ({ adopted, deps }: Assembled): string =>
  `${adopted} exception(s) from before named targets now live on target "${deps.targets.defaultName}" (audited as target_assigned)`;
