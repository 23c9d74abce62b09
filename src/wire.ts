/**
 * The composition root: the only module that builds adapters, and where every process is assembled.
 *
 * - Local CLI:  `openLocalWaiver`  = the store, the target, and the configured user with every role
 *   (separation of duties still holds by name); before it closes, a command that changed something
 *   delivers the notifications it caused (the outbox's dispatcher, decision 0012).
 * - Server:     `startServer`      = the same service deps, with target writes counted for Prometheus
 *   and lint requests in worker threads; the Fastify app (tokens, OIDC, timeouts); a metrics tracker for
 *   scrapes; the first admin token (to a terminal or an owner-only file); the periodic work (the
 *   controller with a cluster, the periodic sweep with a folder); and the outbox's delivery loop, its
 *   outcomes counted for Prometheus.
 * - Controller: `startController`  = the service deps plus the cluster's Lease, its PolicyException
 *   watch, the timings below, and the outbox's delivery loop.
 * - Shutdown:   `untilSignal` is the one place that waits for SIGTERM or SIGINT.
 *
 * Heavy modules (drivers, Fastify, the Kubernetes client) load on first use, so a cold `waiver get`
 * pays only for the store it reads.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { isPostgresUrl, VERSION, type Config } from './config/load.js';
import type { ControllerLog, ControllerRun, ControllerTimings } from './controller/controller.js';
import { controllerActor, localActor, type Actor } from './service/actor.js';
import type { ServiceDeps } from './service/deps.js';
import type { MetricsTracker } from './service/metrics-tracker.js';
import type { Dispatcher, DispatchLoop } from './notify/dispatcher.js';
import type {
  ClusterServices,
  ExceptionStore,
  NamedTarget,
  ObservableTarget,
  Target,
  TargetSet,
} from './service/ports.js';
import { targetSet } from './service/targets.js';
import type { ClusterTargetConfig, GitTargetConfig } from './config/targets.js';
import { repositoryDescription } from './domain/git-repository.js';
import { systemClock } from './service/system-clock.js';
import { systemScheduler } from './service/system-scheduler.js';
import { createWaiver, type Waiver } from './service/waiver.js';
import type { KubernetesCluster } from './targets/kubernetes/open-kubernetes.js';
import { DirectoryTarget } from './targets/directory-target.js';
import type { ServerMetrics } from './server/prometheus.js';
import { messageOf } from './domain/errors.js';
import { redactError, type Redact } from './domain/redact.js';
import { configuredRedactor } from './configured-secrets.js';

/**
 * A kubeconfig's current context, for the one-target shorthand's name: read when the configuration is,
 * so a missing or unreadable kubeconfig is refused before any command runs.
 */
export async function currentContext(connection: { kubeconfig: string | undefined }): Promise<string> {
  const { loadKubeConfig } = await import('./targets/kubernetes/kube-config.js');
  const current = loadKubeConfig(connection).getCurrentContext();
  return current === 'inClusterContext' ? 'in-cluster' : current;
}

/** How the controller paces itself; the interval between full runs comes from the configuration. */
export const controllerTimings = (config: Config): ControllerTimings => ({
  intervalMs: config.server.sweepIntervalSeconds * 1000,
  renewMs: 5_000,
  backoffMs: 1_000,
  maxBackoffMs: 60_000,
});

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
    return (await import('./store/open-postgres.js')).openPostgresStore(database, {
      longLived: options.longLived !== false,
      ...(options.statementTimeoutSeconds === undefined
        ? {}
        : { statementTimeoutMs: options.statementTimeoutSeconds * 1000 }),
    });
  return (await import('./store/open-sqlite.js')).openSqliteStore(database, options);
}

type LazyCluster = () => Promise<KubernetesCluster>;

/**
 * A controller's log with what clusters said (a lease's or a watch's failure) masked: the error texts its
 * lines carry come from outside, like a target's.
 */
function maskedLog(log: ControllerLog, redact: Redact): ControllerLog {
  const clean = (obj: object): object => JSON.parse(redact(JSON.stringify(obj))) as object;
  return {
    info: (obj, msg) => log.info(clean(obj), redact(msg)),
    error: (obj, msg) => log.error(clean(obj), redact(msg)),
  };
}

/** What a cluster, a repository or a forge said when it failed, masked before any use case sees it. */
async function masked<T>(redact: Redact, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw redactError(e, redact);
  }
}

/** One process's service deps and the clusters they use: its controllers share each connection. */
interface Assembled {
  deps: ServiceDeps;
  clusters: Map<string, LazyCluster>;
  /** Rows from before named targets that this process gave its default target (said once, where it runs). */
  adopted: number;
}

/** A cluster target's connection, loaded once on first use. */
function lazyCluster(cluster: ClusterTargetConfig, config: Config): LazyCluster {
  let loaded: Promise<KubernetesCluster> | undefined;
  return () =>
    (loaded ??= import('./targets/kubernetes/open-kubernetes.js').then((m) =>
      m.openKubernetesCluster(cluster, config.settings),
    ));
}

/**
 * A cluster's target, loaded on the first write, remove or list, and on its own: a command that only
 * writes never loads the generated clients that the catalog, doctor, lease and watch need.
 */
function lazyClusterTarget(cluster: ClusterTargetConfig, config: Config, redact: Redact): ObservableTarget {
  let loaded: Promise<ObservableTarget> | undefined;
  const target = () =>
    (loaded ??= import('./targets/kubernetes/open-target.js').then((m) =>
      m.openKubernetesTarget(cluster, config.settings),
    ));
  return {
    description: cluster.context ? `cluster context ${cluster.context}` : 'cluster (current context)',
    write: (manifest) => masked(redact, async () => (await target()).write(manifest)),
    remove: (namespace, name, apiVersion) =>
      masked(redact, async () => (await target()).remove(namespace, name, apiVersion)),
    list: () => masked(redact, async () => (await target()).list()),
  };
}

/** A Git repository's target, its module loaded on first use. */
function lazyGitTarget(name: string, git: GitTargetConfig, redact: Redact): ObservableTarget {
  let loaded: Promise<ObservableTarget & Required<Pick<Target, 'proposalState'>>> | undefined;
  const target = () =>
    (loaded ??= import('./targets/git/git-target.js').then((m) => m.openGitTarget(name, git)));
  return {
    description: repositoryDescription(git),
    write: (manifest) => masked(redact, async () => (await target()).write(manifest)),
    remove: (namespace, object, apiVersion) =>
      masked(redact, async () => (await target()).remove(namespace, object, apiVersion)),
    list: () => masked(redact, async () => (await target()).list()),
    proposalState: (url) => masked(redact, async () => (await target()).proposalState(url)),
  };
}

/** What a cluster target reads besides its exceptions, each loaded with the cluster on first use. */
function clusterServices(cluster: LazyCluster, redact: Redact): ClusterServices {
  const m = <T>(work: (k: KubernetesCluster) => Promise<T>) =>
    masked(redact, async () => work(await cluster()));
  return {
    catalog: {
      checkScope: (scope) => m((k) => k.catalog.checkScope(scope)),
      policies: () => m((k) => k.catalog.policies()),
    },
    doctor: { diagnose: (policies) => m((k) => k.doctor.diagnose(policies)) },
    inventory: {
      objects: (kinds, namespaces) => m((k) => k.inventory.objects(kinds, namespaces)),
      namespaceLabels: () => m((k) => k.inventory.namespaceLabels()),
      policy: (name) => m((k) => k.inventory.policy(name)),
      reports: () => m((k) => k.inventory.reports()),
    },
  };
}

/** Every configured target by name, and the connections of those that are clusters. */
function openTargets(
  config: Config,
  options: DepsOptions,
  redact: Redact,
): { targets: TargetSet; clusters: Map<string, LazyCluster> } {
  const clusters = new Map<string, LazyCluster>();
  const members: NamedTarget[] = Object.entries(config.targets).map(([name, t]) => {
    let target: Target;
    let cluster: ClusterServices | undefined;
    if (t.kind === 'cluster') {
      const lazy = lazyCluster(t, config);
      clusters.set(name, lazy);
      target = lazyClusterTarget(t, config, redact);
      cluster = clusterServices(lazy, redact);
    } else if (t.kind === 'git') target = lazyGitTarget(name, t, redact);
    else target = new DirectoryTarget(t.dir, { createRoot: t.createRoot });
    return { name, kind: t.kind, target: options.decorate?.target?.(name, target) ?? target, cluster };
  });
  return { targets: targetSet(members, config.defaultTarget), clusters };
}

export interface DepsOptions {
  clock?: ServiceDeps['clock'];
  /** A command, not a server or controller: nothing is cached for a next request. */
  command?: boolean;
  /** Wraps each target, e.g. to count what it does. */
  decorate?: { target?: (name: string, t: Target) => Target };
}

/** What every use case runs against: the store and the targets (clusters with their catalog and doctor). */
export async function openServiceDeps(config: Config, options: DepsOptions): Promise<ServiceDeps> {
  return (await assemble(config, options)).deps;
}

async function assemble(config: Config, options: DepsOptions): Promise<Assembled> {
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
  };
  try {
    // Rows from before named targets are adopted by this configuration's default target, once.
    const adopted = await (await import('./service/adopt-untargeted.js')).adoptUntargeted(deps);
    return { deps, clusters, adopted };
  } catch (e) {
    await deps.store.close();
    throw e;
  }
}

/** What adoption did, in the words of the process's log. */
const adoptedLine = ({ adopted, deps }: Assembled): string =>
  `${adopted} exception(s) from before named targets now live on target "${deps.targets.defaultName}" (audited as target_assigned)`;

/**
 * Local mode: the service in-process, acting as the configured user with every role. A cluster named by
 * flags or the file is checked first (a missing or unreadable kubeconfig, an unknown context): refused
 * before any state changes, not discovered by the write after an exception was made active.
 */
export async function openLocalWaiver(config: Config, log: (line: string) => void): Promise<Waiver> {
  const clusters = Object.values(config.targets).filter((t) => t.kind === 'cluster');
  if (clusters.length) {
    const { loadKubeConfig } = await import('./targets/kubernetes/kube-config.js');
    for (const cluster of clusters) loadKubeConfig(cluster);
  }
  const assembled = await assemble(config, { command: true });
  const { deps } = assembled;
  if (assembled.adopted) log(adoptedLine(assembled));
  // After a command that changed something, what it caused is delivered before the process ends; what
  // fails waits in the outbox for the next command, sweep or server.
  let changed = false;
  const { store } = deps;
  const transaction = store.transaction.bind(store);
  store.transaction = (work) => {
    changed = true;
    return transaction(work);
  };
  const waiver = createWaiver(deps, localActor(config.user));
  return {
    ...waiver,
    close: async () => {
      try {
        if (changed) await deliverPending(config, deps, log);
      } finally {
        await waiver.close();
      }
    },
  };
}

/** The outbox's dispatcher for this process's configured channels. */
async function openDispatcher(
  config: Config,
  deps: ServiceDeps,
  log: (line: string) => void,
  observe?: (channel: string, outcome: 'sent' | 'failed' | 'dead') => void,
): Promise<Dispatcher> {
  const [{ createDispatcher }, { openChannels }] = await Promise.all([
    import('./notify/dispatcher.js'),
    import('./notify/open-channels.js'),
  ]);
  const channels = openChannels(config.notifications, { log, clock: deps.clock });
  return createDispatcher(deps.store, channels, deps.clock, {
    holder: deps.instance,
    backoff: config.notifications.backoff,
    ...(config.notifications.claimMs ? { claimMs: config.notifications.claimMs } : {}),
    ...(deps.redact ? { redact: deps.redact } : {}),
    log,
    ...(observe ? { observe } : {}),
  });
}

/** A command's delivery: what is due now, a bounded number of batches, failures left for later. */
async function deliverPending(config: Config, deps: ServiceDeps, log: (line: string) => void): Promise<void> {
  const dispatcher = await openDispatcher(config, deps, log);
  try {
    // At most about 2,000 (batches of 16, what is in flight at once).
    await dispatcher.drain(125);
  } catch (e) {
    log(`notifications wait in the outbox: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await dispatcher.close();
  }
}

/** A long-running process's delivery: the outbox drained now and every `intervalMs`. */
async function startDelivery(
  config: Config,
  deps: ServiceDeps,
  log: (line: string) => void,
  observe?: (channel: string, outcome: 'sent' | 'failed' | 'dead') => void,
): Promise<DispatchLoop> {
  const [dispatcher, { startDispatchLoop }] = await Promise.all([
    openDispatcher(config, deps, log, observe),
    import('./notify/dispatcher.js'),
  ]);
  return startDispatchLoop(dispatcher, {
    intervalMs: config.notifications.intervalMs,
    scheduler: systemScheduler,
    log,
  });
}

/**
 * The periodic work of every target, each on its own (one that hangs stalls only itself): a controller per
 * cluster (its Lease, its watch, its backoff) and per Git repository (a lease in the store, no watch),
 * and one periodic sweep for the folders.
 */
async function startTargetLoops(
  config: Config,
  { deps, clusters }: Assembled,
  log: ControllerLog,
  onRun: (run: ControllerRun) => void,
): Promise<Running> {
  const [{ Controller }, { storeLeaderLease, noChangeFeed }] = await Promise.all([
    import('./controller/controller.js'),
    import('./controller/store-lease.js'),
  ]);
  const timings = controllerTimings(config);
  const scheduler = systemScheduler;
  if (deps.redact) log = maskedLog(log, deps.redact);
  // The instance names the host already: hostname/pid/random.
  const identity = deps.instance;
  const leaseSeconds = Math.max(1, Math.ceil((timings.renewMs * 3) / 1000));
  const loops: { stop(): Promise<void> }[] = [];
  const folders: string[] = [];
  for (const name of deps.targets.names) {
    const kind = deps.targets.get(name)?.kind;
    const cluster = clusters.get(name);
    if (kind === 'directory') {
      folders.push(name);
      continue;
    }
    const k8s = cluster && (await cluster());
    const controller = new Controller({
      deps,
      target: name,
      lease: k8s
        ? k8s.lease(identity, leaseSeconds, deps.clock)
        : storeLeaderLease(deps.store, `controller:${name}`, identity, leaseSeconds * 1000, deps.clock),
      changes: k8s ? k8s.changes(scheduler) : noChangeFeed,
      scheduler,
      timings,
      identity,
      log,
      onRun,
    });
    controller.start();
    loops.push(controller);
  }
  if (folders.length) {
    const { startPeriodicSweep } = await import('./controller/periodic-sweep.js');
    const waiver = createWaiver(deps, controllerActor);
    loops.push(
      startPeriodicSweep(() => waiver.sweep(undefined, { targets: folders }), {
        intervalMs: timings.intervalMs,
        scheduler,
        log,
      }),
    );
  }
  return { close: async () => void (await Promise.all(loops.map((l) => l.stop()))) };
}

export interface Running {
  /** Stops the loops, finishes what is in flight, closes the database. */
  close(): Promise<void>;
}

/** `waiver controller`: the reconcile loop alone, logging JSON lines. */
export async function startController(config: Config, out: (line: string) => void): Promise<Running> {
  const json = (level: string) => (obj: object, msg: string) =>
    out(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...obj })}\n`);
  const log = { info: json('info'), error: json('error') };
  const assembled = await assemble(config, {});
  const { deps } = assembled;
  if (assembled.adopted) log.info({ adopted: assembled.adopted }, adoptedLine(assembled));
  try {
    const delivery = await startDelivery(config, deps, (line) => log.info({}, line));
    const loops = await startTargetLoops(config, assembled, log, (run) => {
      const r = run.reconcile;
      const acted = [...r.created, ...r.restored, ...r.deleted, ...run.sweep.expired, ...run.sweep.reminded];
      if (acted.length || r.failed.length)
        log.info({ target: run.target, sweep: run.sweep, reconcile: r }, 'controller run');
    });
    log.info({ instance: deps.instance, targets: deps.targets.names }, 'controller started');
    return {
      close: async () => {
        await loops.close();
        await delivery.stop();
        await deps.store.close();
      },
    };
  } catch (e) {
    await deps.store.close();
    throw e;
  }
}

export interface ServerOptions {
  /** Where the URL (and on a terminal a generated admin token, once) is printed. */
  print: (line: string) => void;
  /** `print` reaches a person: a generated admin token may be shown there; otherwise it goes to a file. */
  terminal?: boolean;
  /** Run the periodic work (each target's controller or sweep: reminders, expiry, retries); default true. */
  periodic?: boolean;
  /** Deliver the outbox, whatever `periodic` says; default true (`serve --no-notify` turns it off). */
  deliver?: boolean;
  /** Tests: a clock they move, a logger they read. */
  clock?: ServiceDeps['clock'];
  logger?: FastifyServerOptions['logger'];
}

export interface RunningServer extends Running {
  url: string;
  /** The HTTP API in-process, as Fastify's `inject` serves it (tests). */
  app: FastifyInstance;
}

/** The identity /metrics reads the store as. */
const metricsReader: Actor = { name: 'waiver-metrics', roles: ['auditor'] };

/** `waiver serve`: the HTTP API over the configured store, plus the periodic work under a lease. */
export async function startServer(config: Config, options: ServerOptions): Promise<RunningServer> {
  const [{ buildApp, logOptions }, { serverMetrics }, { bootstrapAdminToken }] = await Promise.all([
    import('./server/app.js'),
    import('./server/prometheus.js'),
    import('./service/tokens.js'),
  ]);
  let log: (line: string) => void = () => undefined;
  // Scrapes fold only the events written since the last one (decision 0007's cost, not the trail's).
  let tracker: MetricsTracker | undefined;
  const tracked = async () =>
    (tracker ??= (await import('./service/metrics-tracker.js')).metricsTracker(deps, metricsReader));
  const metrics = serverMetrics({
    catchUp: async () => (await tracked()).catchUp(),
    figures: async () => (await tracked()).figures(),
    pendingNotifications: () => deps.store.countPendingNotifications(),
    now: () => deps.clock.now(),
  });
  const assembled = await assemble(config, {
    ...(options.clock ? { clock: options.clock } : {}),
    decorate: { target: (name, t) => metrics.countingTarget(name, t) },
  });
  const { deps } = assembled;
  try {
    const oidc = config.oidc && (await import('./server/auth/oidc.js')).oidcVerifier(config.oidc, deps.clock);
    const logger = options.logger ?? logOptions(config.server.logLevel);
    const webSignIn = config.oidc && {
      issuer: config.oidc.issuer,
      clientId: config.oidc.webClientId ?? config.oidc.audience,
      scope: 'openid profile email',
    };
    const app = buildApp({ deps, server: config.server, metrics, oidc, webSignIn, logger, version: VERSION });
    log = (line) => app.log.info(line);
    if (assembled.adopted) app.log.warn(adoptedLine(assembled));
    // Set before the server listens, and after its log exists, so a missing worker is said there.
    deps.linter = await isolatedLinting(config, (line) => app.log.warn(line));
    deps.configuredBy = 'server';
    const generated = await bootstrapAdminToken(deps, config.server.adminToken);
    const address = await app.listen({ host: config.server.host, port: config.server.port });
    if (generated) handOver(generated, config.server.adminTokenFile, options);
    const delivery =
      options.deliver === false
        ? undefined
        : await startDelivery(
            config,
            deps,
            (line) => log(line),
            (channel, outcome) => metrics.observeDelivery(channel, outcome),
          );
    // After delivery started, so that a supervisor (or a test) reading this line knows everything before
    // it is out; the periodic work follows (a controller may wait for its cluster).
    options.print(
      `waiver serving on ${address} (web UI ${address}/, API ${address}/api/v1, docs ${address}/api/docs)`,
    );
    const periodic =
      options.periodic === false ? undefined : await startPeriodicWork(config, assembled, app.log, metrics);
    app.log.info(
      { periodicWork: periodic !== undefined, notifications: delivery !== undefined },
      `periodic work (controllers, sweep) ${periodic ? 'runs' : 'is off'} here; notifications ${delivery ? `are delivered every ${config.notifications.intervalMs / 1000} s` : 'are not delivered by this process (--no-notify)'}`,
    );
    return {
      url: address,
      app,
      close: async () => {
        await periodic?.close();
        await delivery?.stop();
        await app.close();
        await deps.store.close();
      },
    };
  } catch (e) {
    await deps.store.close();
    throw e;
  }
}

/**
 * Lint requests run in worker threads with time and memory limits. The worker is the bundle's
 * `lint-worker.js`: beside this module in the bundle, else in dist/cli.
 */
async function isolatedLinting(config: Config, log: (line: string) => void) {
  const candidates = [
    new URL('./lint-worker.js', import.meta.url), // the bundle (dist/cli)
    new URL('../cli/lint-worker.js', import.meta.url), // tsc's output (dist/src), as the benchmarks run
    new URL('../dist/cli/lint-worker.js', import.meta.url), // the sources (tests)
  ];
  const workerFile = candidates.find((url) => existsSync(url));
  if (!workerFile) {
    log('lint runs in the server process: no lint-worker.js (npm run build makes it)');
    return undefined;
  }
  const { isolatedLinter } = await import('./server/isolated-linter.js');
  const { memoryMb, timeoutSeconds } = config.server.lint;
  return isolatedLinter(workerFile, config.settings, {
    memoryMb,
    timeoutMs: timeoutSeconds * 1000,
    concurrency: 2,
  });
}

/**
 * A generated first admin token reaches its operator and nothing else: shown once on a terminal;
 * otherwise (a supervisor, a log collector reading stdout) written to a file only its owner reads.
 */
function handOver(token: string, file: string, options: ServerOptions): void {
  if (options.terminal) return options.print(`admin token (shown once, store it now): ${token}`);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  options.print(`admin token written to ${file} (readable by its owner only)`);
}

/** Each target's loop (see `startTargetLoops`), its runs reported to Prometheus. */
async function startPeriodicWork(
  config: Config,
  assembled: Assembled,
  log: ControllerLog,
  metrics: Pick<ServerMetrics, 'setUnmanaged' | 'setEvidence'>,
): Promise<Running> {
  const waiverOfController = createWaiver(assembled.deps, controllerActor);
  return startTargetLoops(config, assembled, log, (run) => {
    metrics.setUnmanaged(run.target, run.reconcile.unmanaged.length);
    if (!assembled.clusters.has(run.target)) return;
    // After each cluster's run, what the policy reports prove (the gauges show the last look).
    waiverOfController.evidenceAll().then(
      ({ items }) => metrics.setEvidence(items),
      (e: unknown) => log.error({ err: messageOf(e) }, 'policy reports not read'),
    );
  });
}

/** Resolves on the first SIGTERM or SIGINT: a long-running command's shutdown starts here. */
export function untilSignal(): Promise<NodeJS.Signals> {
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      for (const s of signals) process.off(s, stop);
      resolve(signal);
    };
    for (const s of signals) process.on(s, stop);
  });
}
