import type { GitRepository } from '../../domain/git-repository.js';
import type { TargetCapabilities } from '../../service/ports/target.js';

/**
 * A repository is read back; in pull-request mode its changes are proposed, and applied when merged.
 * Its own module, so the composition root declares a Git target's capabilities without loading it.
 */
export const gitCapabilities = (config: Pick<GitRepository, 'pullRequests'>): TargetCapabilities => ({
  observable: true,
  proposals: config.pullRequests !== undefined,
  // Concurrent operations are committed together: a batch of 200 is a handful of commits, not 200.
  batches: true,
});
