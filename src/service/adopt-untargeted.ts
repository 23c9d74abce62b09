import { formatId } from '../domain/exception.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import type { ServiceDeps } from './deps.js';
import { recordEvent } from './record-event.js';

/** Who the trail says assigned the targets: the upgrade, not a person. */
const ADOPTER = 'waiver-upgrade';

/**
 * Rows from before named targets (migration 0006) get this configuration's default target, each with a
 * `target_assigned` event: the trail vouches for the changed row, and the record stays on that target from
 * now on, whatever later configurations say.
 */
export async function adoptUntargeted(deps: ServiceDeps): Promise<number> {
  const waiting = await deps.store.listExceptions({ untargeted: true, limit: 1 });
  if (waiting.length === 0) return 0;
  const target = deps.targets.defaultName;
  const at = toRfc3339(wholeSeconds(deps.clock.now()));
  return deps.store.transaction(async (tx) => {
    const rows = await tx.listExceptions({ untargeted: true });
    for (const row of rows) {
      const saved = await tx.updateException({ ...row, target });
      await recordEvent(
        deps,
        tx,
        {
          at,
          actor: ADOPTER,
          action: 'target_assigned',
          exceptionId: row.id,
          data: {
            target,
            reason: `${formatId(row.id)} predates named targets: it lives on the default target`,
          },
        },
        { record: saved, before: row },
      );
    }
    return rows.length;
  });
}
