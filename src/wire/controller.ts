/**
 * `waiver controller`: `startController` = the service deps plus each target's loop (a cluster's Lease and
 * PolicyException watch), and the outbox's delivery loop, logging JSON lines.
 */
import type { Config } from '../config/load.js';
import { adoptedLine, assemble } from './deps.js';
import { startDelivery } from './delivery.js';
import { jsonLog } from './process-log.js';
import { startTargetLoops, type Running } from './target-loops.js';

/** `waiver controller`: the reconcile loop alone, logging JSON lines. */
export async function startController(config: Config, out: (line: string) => void): Promise<Running> {
  const log = jsonLog(out);
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
