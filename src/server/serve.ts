import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config/load.js';
import { messageOf } from '../domain/errors.js';
import { controllerActor, type Actor } from '../service/actor.js';
import type { Clock } from '../service/ports.js';
import { bootstrapAdminToken } from '../service/tokens.js';
import { createWaiver } from '../service/waiver.js';
import { openServiceDeps } from '../wire.js';
import { WaiverError } from '../domain/errors.js';
import { buildApp, logRedaction } from './app.js';
import { oidcVerifier } from './auth/oidc.js';
import { serverMetrics, type ServerMetrics } from './prometheus.js';
import type { ServiceDeps } from '../service/deps.js';

export interface ServeOptions {
  /** WAIVER_ADMIN_TOKEN: the first admin token, chosen by the operator. */
  adminToken?: string | undefined;
  /** Run the periodic work (reminders, expiry, retries) on the configured interval. */
  periodic?: boolean;
  clock?: Clock;
  /** pino's level for the JSON log (WAIVER_LOG_LEVEL); `info` logs every request. */
  logLevel?: string | undefined;
  logger?: FastifyServerOptions['logger'];
  /** Where the URL and a generated admin token are printed, once. */
  print: (line: string) => void;
  version: string;
}

export interface RunningServer {
  url: string;
  /** Stops taking requests, finishes those in flight and the running sweep, closes the database. */
  close(): Promise<void>;
}

/** The identity /metrics reads the store as. */
const reader: Actor = { name: 'waiver-metrics', roles: ['auditor'] };

/** `waiver serve`: the HTTP API over the configured store, plus the periodic work under a lease. */
export async function startServer(config: Config, options: ServeOptions): Promise<RunningServer> {
  let log: (line: string) => void = () => undefined;
  const metrics = serverMetrics(
    () => createWaiver(deps, reader),
    async () => (await import('../service/list-exceptions.js')).countExceptions(deps, reader),
  );
  const deps = await openServiceDeps(config, {
    log: (line) => log(line),
    ...(options.clock ? { clock: options.clock } : {}),
    decorate: { target: (t) => metrics.countingTarget(t), notifier: (n) => metrics.countingNotifier(n) },
  });
  try {
    const oidc = config.oidc && oidcVerifier(config.oidc, deps.clock);
    const logger = options.logger ?? { level: logLevel(options.logLevel), redact: logRedaction };
    const app = buildApp({ deps, server: config.server, metrics, oidc, logger, version: options.version });
    log = (line) => app.log.info(line);
    const generated = await bootstrapAdminToken(deps, options.adminToken);
    const address = await app.listen({ host: config.server.host, port: config.server.port });
    if (generated) options.print(`admin token (shown once, store it now): ${generated}`);
    // Last, so that a supervisor (or a test) reading this line knows everything before it is out.
    options.print(`waiver serving on ${address} (API ${address}/api/v1, docs ${address}/api/docs)`);
    const periodic =
      options.periodic === false ? undefined : await startPeriodicWork(config, deps, app.log, metrics);
    return {
      url: address,
      close: async () => {
        await periodic?.stop();
        await app.close();
        await deps.store.close();
      },
    };
  } catch (e) {
    await deps.store.close();
    throw e;
  }
}

interface Periodic {
  stop(): Promise<void>;
}

/** With a cluster, the controller (sweep, reconcile, watch, leader election); with a folder, the sweep. */
async function startPeriodicWork(
  config: Config,
  deps: ServiceDeps,
  logger: Parameters<typeof startPeriodicSweep>[2],
  metrics: ServerMetrics,
): Promise<Periodic> {
  if (!config.kubernetes) return startPeriodicSweep(config, deps, logger);
  const { openController } = await import('../controller/open-controller.js');
  const controller = openController(config, deps, logger, (run) =>
    metrics.setUnmanaged(run.reconcile.unmanaged.length),
  );
  controller?.start();
  return { stop: async () => controller?.stop() };
}

/** One sweep at a time in this process; the lease in the store keeps replicas from sweeping together. */
function startPeriodicSweep(
  config: Config,
  deps: ServiceDeps,
  logger: { error(obj: object, msg: string): void; info(obj: object, msg: string): void },
): Periodic {
  const waiver = createWaiver(deps, controllerActor);
  let running: Promise<void> | undefined;
  const tick = (): void => {
    if (running) return;
    running = waiver
      .sweep()
      .then((report) => {
        const acted =
          report.reminded.length + report.expired.length + report.written.length + report.deleted.length;
        if (acted > 0 || report.failed.length > 0) logger.info({ sweep: report }, 'sweep done');
      })
      .catch((e: unknown) => logger.error({ error: messageOf(e) }, 'sweep failed; retried next interval'))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, config.server.sweepIntervalSeconds * 1000);
  tick();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(given: string | undefined): string {
  if (given === undefined) return 'info';
  if (!levels.includes(given))
    throw new WaiverError(
      'usage',
      `WAIVER_LOG_LEVEL must be one of ${levels.join(', ')}`,
      'WAIVER_LOG_LEVEL',
    );
  return given;
}
