import { formatId } from '../domain/exception.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import type { ServiceDeps } from './deps.js';
import { recordEvent } from './record-event.js';

/** Who the trail says assigned the targets: the upgrade, not a person. */
const ADOPTER = 'waiver-upgrade';

/** The data migration's name, recorded in the database when it ran there. */
export const ADOPT_UNTARGETED = 'adopt-untargeted';

/**
 * Rows from before named targets (migration 0006) get the default target of the configuration that first
 * starts on the upgraded database, each with a `target_assigned` event: the trail vouches for the changed
 * row, and the record stays on that target from now on, whatever later configurations say. A data
 * migration that runs once per database: recorded with the rows it changed, and never again after.
 */
export async function adoptUntargeted(deps: ServiceDeps): Promise<number> {
  if (await deps.store.hasDataMigration(ADOPT_UNTARGETED)) return 0;
  const target = deps.targets.defaultName;
  const at = toRfc3339(wholeSeconds(deps.clock.now()));
  return deps.store.transaction(async (tx) => {
    // Another process starting on the same database may have run it meanwhile.
    if (!(await tx.recordDataMigration(ADOPT_UNTARGETED, at))) return 0;
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
