/**
 * `waiver serve`: `startServer` = the service deps, with target writes counted for Prometheus and lint
 * requests in worker threads; the Fastify app (tokens, OIDC, timeouts); a metrics tracker for scrapes;
 * the first admin token (to a terminal or an owner-only file); the periodic work (each target's
 * controller or sweep); and the outbox's delivery loop, its outcomes counted for Prometheus.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { VERSION, type Config } from '../config/load.js';
import type { ControllerLog } from '../controller/controller.js';
import { controllerActor, type Actor } from '../service/actor.js';
import type { ServiceDeps } from '../service/deps.js';
import type { MetricsTracker } from '../service/metrics-tracker.js';
import { createWaiver } from '../service/waiver.js';
import type { ServerMetrics } from '../server/prometheus.js';
import { fileProblemOf, messageOf, WaiverError } from '../domain/errors.js';
import { adoptedLine, assemble, type Assembled } from './deps.js';
import { startDelivery } from './delivery.js';
import { handOver } from './admin-token.js';
import { isolatedLinting } from './isolated-linting.js';
import { startTargetLoops, type Running } from './target-loops.js';

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
    import('../server/app.js'),
    import('../server/prometheus.js'),
    import('../service/tokens.js'),
  ]);
  let log: (line: string) => void = () => undefined;
  // Scrapes fold only the events written since the last one (decision 0019), not the whole trail.
  let tracker: MetricsTracker | undefined;
  const tracked = async () =>
    (tracker ??= (await import('../service/metrics-tracker.js')).metricsTracker(deps, metricsReader));
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
    const oidc =
      config.oidc && (await import('../server/auth/oidc.js')).oidcVerifier(config.oidc, deps.clock);
    const logger = options.logger ?? logOptions(config.server.logLevel);
    const webSignIn = config.oidc && {
      issuer: config.oidc.issuer,
      clientId: config.oidc.webClientId ?? config.oidc.audience,
      scope: 'openid profile email',
    };
    const evidenceKey = await readEvidenceKey(config.server.evidenceKeyFile);
    const app = buildApp({
      deps,
      server: config.server,
      metrics,
      oidc,
      webSignIn,
      logger,
      version: VERSION,
      evidenceKey,
    });
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

/** The key evidence bundles are signed with: read once, checked to be Ed25519, held in memory only. */
async function readEvidenceKey(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  const [{ readFileSync }, { ed25519PrivateKeyProblem }] = await Promise.all([
    import('node:fs'),
    import('../service/ed25519-keys.js'),
  ]);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new WaiverError(
      'usage',
      `server.evidenceKeyFile: cannot read ${file}: ${fileProblemOf(e)}`,
      'evidenceKeyFile',
    );
  }
  const problem = ed25519PrivateKeyProblem(pem);
  if (problem)
    throw new WaiverError('usage', `server.evidenceKeyFile: ${file}: ${problem}`, 'evidenceKeyFile');
  return pem;
}
