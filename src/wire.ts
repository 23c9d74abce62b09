import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isPostgresUrl, type Config } from './config/load.js';
import { LogNotifier } from './notify/log-notifier.js';
import { localActor } from './service/actor.js';
import type { ServiceDeps } from './service/deps.js';
import type {
  ClusterCatalog,
  Clock,
  ExceptionStore,
  Notifier,
  ObservableTarget,
  Target,
} from './service/ports.js';
import { systemClock } from './service/system-clock.js';
import { createWaiver, type Waiver } from './service/waiver.js';
import { DirectoryTarget } from './targets/directory-target.js';

/** Opens the configured store: a postgres:// URL or a SQLite file. Each driver loads only when used. */
export async function openStore(database: string): Promise<ExceptionStore> {
  if (isPostgresUrl(database)) return (await import('./store/open-postgres.js')).openPostgresStore(database);
  return (await import('./store/open-sqlite.js')).openSqliteStore(database);
}

export interface WireOptions {
  log: (line: string) => void;
  clock?: Clock;
  /** Wraps the target and notifier, e.g. to count what they do. */
  decorate?: { target?: (t: Target) => Target; notifier?: (n: Notifier) => Notifier };
}

/**
 * The configured target. The Kubernetes client is large, so it loads on the first write, remove or list:
 * `get` against a cluster-backed store stays fast.
 */
export function openTarget(config: Config): Target {
  const { kubernetes } = config;
  if (!kubernetes) return new DirectoryTarget(config.target.dir, { createRoot: config.target.createRoot });
  let loaded: Promise<ObservableTarget> | undefined;
  const target = (): Promise<ObservableTarget> =>
    (loaded ??= import('./targets/kubernetes/open-kubernetes.js').then((m) =>
      m.openKubernetesTarget(kubernetes, config.settings.apiVersion),
    ));
  const lazy: ObservableTarget = {
    description: `cluster (${kubernetes.context ? `context ${kubernetes.context}` : 'current context'})`,
    write: async (manifest) => (await target()).write(manifest),
    remove: async (namespace, name) => (await target()).remove(namespace, name),
    list: async () => (await target()).list(),
  };
  return lazy;
}

/** With a cluster: requests are checked against it (policy, rules, namespaces); loaded on first use. */
function openCatalog(config: Config): ClusterCatalog | undefined {
  const { kubernetes } = config;
  if (!kubernetes) return undefined;
  return {
    checkScope: async (scope) => {
      const [{ loadKubeConfig }, { KubernetesCatalog }] = await Promise.all([
        import('./targets/kubernetes/kube-config.js'),
        import('./targets/kubernetes/cluster-catalog.js'),
      ]);
      return new KubernetesCatalog(loadKubeConfig(kubernetes)).checkScope(scope);
    },
  };
}

/** The composition root: the store, the target, notifications to the log. */
export async function openServiceDeps(config: Config, options: WireOptions): Promise<ServiceDeps> {
  const target = openTarget(config);
  const notifier = new LogNotifier(options.log);
  return {
    store: await openStore(config.database),
    target: options.decorate?.target?.(target) ?? target,
    notifier: options.decorate?.notifier?.(notifier) ?? notifier,
    clock: options.clock ?? systemClock,
    settings: config.settings,
    instance: `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`,
    catalog: openCatalog(config),
  };
}

/** Local mode: the service in-process, acting as the configured user with every role. */
export async function openLocalWaiver(
  config: Config,
  log: (line: string) => void,
  clock: Clock = systemClock,
): Promise<Waiver> {
  return createWaiver(await openServiceDeps(config, { log, clock }), localActor(config.user));
}
