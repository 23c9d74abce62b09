/**
 * Local mode: `openLocalWaiver` = the store, the targets, and the configured user with every role
 * (separation of duties still holds by name); before it closes, a command delivers what the outbox holds
 * due, the notifications it caused among them (the outbox's dispatcher, decision 0012).
 */
import type { Config } from '../config/load.js';
import { toRfc3339 } from '../domain/time.js';
import { localActor } from '../service/actor.js';
import { createWaiver, type Waiver } from '../service/waiver.js';
import { adoptedLine, assemble } from './deps.js';
import { deliverPending } from './delivery.js';

/**
 * Local mode: the service in-process, acting as the configured user with every role. A cluster named by
 * flags or the file is checked first (a missing or unreadable kubeconfig, an unknown context): refused
 * before any state changes, not discovered by the write after an exception was made active.
 */
export async function openLocalWaiver(config: Config, log: (line: string) => void): Promise<Waiver> {
  const clusters = Object.values(config.targets).filter((t) => t.kind === 'cluster');
  if (clusters.length) {
    const { loadKubeConfig } = await import('../targets/kubernetes/kube-config.js');
    for (const cluster of clusters) loadKubeConfig(cluster);
  }
  const assembled = await assemble(config, { command: true });
  const { deps } = assembled;
  if (assembled.adopted) log(adoptedLine(assembled));
  const waiver = createWaiver(deps, localActor(config.user));
  return {
    ...waiver,
    close: async () => {
      try {
        // What a command caused (and what an earlier one left due) is delivered before the process
        // ends; what fails waits in the outbox for the next command, sweep or server.
        if (await deps.store.hasDueNotifications(toRfc3339(deps.clock.now())))
          await deliverPending(config, deps, log);
      } finally {
        await waiver.close();
      }
    },
  };
}
