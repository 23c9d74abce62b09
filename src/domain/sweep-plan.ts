import type { ExceptionRecord } from './exception.js';
import type { ProcessSettings } from './settings.js';
import { DAY_MS } from './time.js';

/**
 * What one sweep must do. `expire`: remove from the target, then record the end. `remind`: record the
 * reminder. `write`: an active exception the target may not hold yet. `delete`: an ended exception the
 * target may still hold; `release` when a live successor holds the same name, so nothing is deleted.
 */
export type SweepAction =
  | { kind: 'expire'; id: number }
  | { kind: 'remind'; id: number }
  | { kind: 'write'; id: number }
  | { kind: 'delete'; id: number }
  | { kind: 'release'; id: number };

const needsSync = (r: ExceptionRecord): boolean => r.syncStatus === 'pending' || r.syncStatus === 'error';

/**
 * Level-triggered: computed from the records alone, so running it again after its actions were done
 * yields nothing. Input: the active exceptions that are due (within the reminder window or past it) or
 * unsynced, ended ones whose removal is not confirmed, and the active holders of those ones' names.
 */
export function planSweep(
  records: readonly ExceptionRecord[],
  nowMs: number,
  settings: ProcessSettings,
): SweepAction[] {
  const reminderMs = settings.reminderDays * DAY_MS;
  const isCurrent = (r: ExceptionRecord): boolean => r.state === 'active' && Date.parse(r.expiresAt) > nowMs;
  const heldNames = new Set(records.filter(isCurrent).map((r) => r.name));
  const actions: SweepAction[] = [];
  for (const r of records) {
    const expiresMs = Date.parse(r.expiresAt);
    if (r.state === 'active' && expiresMs <= nowMs) {
      actions.push({ kind: 'expire', id: r.id });
    } else if (r.state === 'active') {
      if (needsSync(r)) actions.push({ kind: 'write', id: r.id });
      if (r.remindedAt === null && expiresMs - nowMs <= reminderMs)
        actions.push({ kind: 'remind', id: r.id });
    } else if (r.state === 'removed' && needsSync(r)) {
      actions.push({ kind: heldNames.has(r.name) ? 'release' : 'delete', id: r.id });
    }
  }
  return actions;
}
