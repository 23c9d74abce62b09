/**
 * The outbox's delivery (decision 0012): a command's bounded drain before it ends, or a long-running
 * process's loop.
 */
import type { Config } from '../config/load.js';
import type { ServiceDeps } from '../service/deps.js';
import type { Dispatcher, DispatchLoop } from '../notify/dispatcher.js';
import { systemScheduler } from '../system/system-scheduler.js';

/** The outbox's dispatcher for this process's configured channels. */
async function openDispatcher(
  config: Config,
  deps: ServiceDeps,
  log: (line: string) => void,
  observe?: (channel: string, outcome: 'sent' | 'failed' | 'dead') => void,
): Promise<Dispatcher> {
  const [{ createDispatcher }, { openChannels }] = await Promise.all([
    import('../notify/dispatcher.js'),
    import('../notify/open-channels.js'),
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
export async function deliverPending(
  config: Config,
  deps: ServiceDeps,
  log: (line: string) => void,
): Promise<void> {
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
export async function startDelivery(
  config: Config,
  deps: ServiceDeps,
  log: (line: string) => void,
  observe?: (channel: string, outcome: 'sent' | 'failed' | 'dead') => void,
): Promise<DispatchLoop> {
  const [dispatcher, { startDispatchLoop }] = await Promise.all([
    openDispatcher(config, deps, log, observe),
    import('../notify/dispatcher.js'),
  ]);
  return startDispatchLoop(dispatcher, {
    intervalMs: config.notifications.intervalMs,
    scheduler: systemScheduler,
    log,
  });
}
