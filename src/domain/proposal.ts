/** Where a proposed change (a pull or merge request) stands at the forge. */
export type ProposalState = 'open' | 'merged' | 'closed';

/** A proposed change's state, and once merged the commit that merged it (when the forge says). */
export interface ProposalStatus {
  state: ProposalState;
  mergeCommit?: string | undefined;
}
