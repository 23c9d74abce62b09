import { WaiverError } from '../domain/errors.js';
import type { Target, TargetCapabilities } from './ports/target.js';

/** The calls a target answers: every one a decorator forwards. */
export type TargetOperation = Exclude<keyof Target, 'description' | 'capabilities'>;

/** Runs one forwarded call: to count it, mask what it throws, or step in before it. */
export type AroundCall = <T>(operation: TargetOperation, call: () => Promise<T>) => Promise<T>;

/** A target loaded on its first call: what it is and can do is declared before it loads. */
export interface LazyTarget {
  readonly description: string;
  readonly capabilities: TargetCapabilities;
  load(): Promise<Target>;
}

const passThrough: AroundCall = (_operation, call) => call();

/**
 * The one way to wrap a target: every operation forwarded to `inner` (or to what `load` gives, loaded
 * once), each call run through `around`, the capabilities passed on as declared. `Target`'s methods are
 * all required, so the object below stops compiling when `Target` gains one it does not forward.
 */
export function decorateTarget(inner: Target | LazyTarget, around: AroundCall = passThrough): Target {
  const via = forwarder(inner, around);
  return {
    description: inner.description,
    capabilities: inner.capabilities,
    write: (manifest) => via('write', (t) => t.write(manifest)),
    remove: (namespace, name, apiVersion) => via('remove', (t) => t.remove(namespace, name, apiVersion)),
    list: () => via('list', (t) => t.list()),
    proposalState: (url) => via('proposalState', (t) => t.proposalState(url)),
  };
}

type Forward = <T>(operation: TargetOperation, call: (t: Target) => Promise<T>) => Promise<T>;

/** How one call reaches the inner target: at once, or once it has loaded. */
function forwarder(inner: Target | LazyTarget, around: AroundCall): Forward {
  if ('load' in inner) {
    const load = loadOnce(inner);
    return (operation, call) => around(operation, async () => call(await load()));
  }
  return (operation, call) => around(operation, () => call(inner));
}

/** The lazy target's load, run once; a loaded target that can do other than declared is refused. */
function loadOnce(lazy: LazyTarget): () => Promise<Target> {
  let loaded: Promise<Target> | undefined;
  return () =>
    (loaded ??= lazy.load().then((t) => {
      const declared = lazy.capabilities;
      const names = Object.keys(declared) as (keyof TargetCapabilities)[];
      if (names.some((c) => t.capabilities[c] !== declared[c]))
        throw new WaiverError(
          'internal',
          `${lazy.description} declares ${JSON.stringify(declared)} but loaded ${JSON.stringify(t.capabilities)}`,
        );
      return t;
    }));
}

/**
 * What a target answers for an operation its capabilities do not declare: callers ask the capability
 * first, so this is reached only by a call that should not have been made.
 */
export function notCapable(description: string, capability: keyof TargetCapabilities): Promise<never> {
  const why =
    capability === 'observable'
      ? 'cannot be read back; drift and rogue detection need a cluster or a Git repository'
      : 'proposes no changes: it opens no pull requests';
  return Promise.reject(new WaiverError('usage', `${description} ${why}`, 'target'));
}
