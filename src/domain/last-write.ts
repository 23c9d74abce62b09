import type { ExceptionRecord } from './exception.js';

/** The last write as people read it: what the target holds now, and the pull request carrying a change. */
export interface LastWrite {
  /** `commit <sha>` on a Git target, `resourceVersion <n>` in a cluster. */
  revision: string | undefined;
  /** The pull or merge request, and its label: waiting to be merged, or merged. */
  proposal: { url: string; label: string } | undefined;
}

/** A Git commit is named by its 40-hex SHA; anything else is a cluster's resourceVersion. */
export function lastWriteOf(x: Pick<ExceptionRecord, 'syncRevision' | 'syncUrl' | 'syncStatus'>): LastWrite {
  const revision =
    x.syncRevision === null
      ? undefined
      : /^[0-9a-f]{40}$/.test(x.syncRevision)
        ? `commit ${x.syncRevision}`
        : `resourceVersion ${x.syncRevision}`;
  const label = x.syncStatus === 'pending-merge' ? 'pull request (waiting to be merged)' : 'pull request';
  return { revision, proposal: x.syncUrl === null ? undefined : { url: x.syncUrl, label } };
}
