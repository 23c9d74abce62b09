import type { ChangeFeed, Clock, LeaderLease } from '../service/ports/runtime.js';
import type { LeaseStore } from '../service/ports/store.js';

/**
 * Leadership through the store's leases, for a target that has no lease of its own (a Git repository, a
 * folder): replicas sharing the database take turns as a cluster's controllers do with a Lease object.
 */
export function storeLeaderLease(
  store: LeaseStore,
  name: string,
  holder: string,
  ttlMs: number,
  clock: Clock,
): LeaderLease {
  return {
    tryAcquireOrRenew: () => store.tryAcquireLease(name, holder, clock.now(), ttlMs),
    release: () => store.releaseLease(name, holder),
  };
}

/** A target nothing watches: its controller runs on its interval only. */
export const noChangeFeed: ChangeFeed = {
  start: () => undefined,
  stop: () => undefined,
};
