/** What a target says it did: shown by `describe` as the last write. */
export interface TargetReceipt {
  /** A commit SHA, or the object's resourceVersion in a cluster. */
  revision?: string;
  /** A pull or merge request carries the change: it takes effect when that request is merged. */
  proposal?: string;
}
