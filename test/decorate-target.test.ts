import { describe, expect, it } from 'vitest';
import { renderPolicyException } from '../src/domain/render.js';
import { defaultSettings } from '../src/domain/settings.js';
import { decorateTarget, type TargetOperation } from '../src/service/decorate-target.js';
import type { Target, TargetCapabilities } from '../src/service/ports/target.js';
import { serverMetrics } from '../src/server/prometheus.js';
import { activeRecord } from './support/records.js';

const manifest = renderPolicyException(activeRecord(), defaultSettings);

/** A target that answers every call with what it was called with, and fails every call while told to. */
function probe(capabilities: TargetCapabilities = { observable: true, proposals: true, batches: false }) {
  const calls: unknown[][] = [];
  const state = { failing: false };
  const answer = <T>(result: T, ...call: unknown[]): Promise<T> => {
    calls.push(call);
    return state.failing ? Promise.reject(new Error(`${String(call[0])} failed`)) : Promise.resolve(result);
  };
  const target: Target = {
    description: 'probe',
    capabilities,
    write: (m) => answer({ revision: 'w1' }, 'write', m.metadata.name),
    remove: (namespace, name, apiVersion) =>
      answer({ revision: 'r1' }, 'remove', namespace, name, apiVersion),
    list: () => answer([], 'list'),
    proposalState: (url) => answer({ state: 'open' as const }, 'proposalState', url),
  };
  return { target, calls, state };
}

/**
 * One call of each operation and what the probe then saw. Typed by `TargetOperation`, so an operation
 * `Target` gains is a missing row here, and a type error, until the forwarding is tested too.
 */
const everyCall: Record<TargetOperation, { call: (t: Target) => Promise<unknown>; seen: unknown[] }> = {
  write: { call: (t) => t.write(manifest), seen: ['write', manifest.metadata.name] },
  remove: { call: (t) => t.remove('ns', 'x', 'kyverno.io/v2'), seen: ['remove', 'ns', 'x', 'kyverno.io/v2'] },
  list: { call: (t) => t.list(), seen: ['list'] },
  proposalState: {
    call: (t) => t.proposalState('https://forge/pr/1'),
    seen: ['proposalState', 'https://forge/pr/1'],
  },
};
const operations = Object.keys(everyCall) as TargetOperation[];

describe('decorateTarget', () => {
  it('forwards every operation with its arguments and result, and the description and capabilities', async () => {
    const inner = probe({ observable: true, proposals: false, batches: false });
    const around: TargetOperation[] = [];
    const outer = decorateTarget(inner.target, (operation, call) => {
      around.push(operation);
      return call();
    });
    expect(outer.description).toBe('probe');
    expect(outer.capabilities).toEqual({ observable: true, proposals: false, batches: false });
    for (const operation of operations) {
      const { call, seen } = everyCall[operation];
      expect(await call(outer)).toEqual(await call(inner.target));
      expect(inner.calls.slice(-2)).toEqual([seen, seen]);
    }
    expect(around).toEqual(operations);
  });

  it("passes the inner target's failures through its `around`, which may change them", async () => {
    const inner = probe();
    inner.state.failing = true;
    const outer = decorateTarget(inner.target, async (operation, call) => {
      try {
        return await call();
      } catch (e) {
        throw new Error(`masked ${operation}: ${(e as Error).message}`);
      }
    });
    for (const operation of operations)
      await expect(everyCall[operation].call(outer)).rejects.toThrow(
        `masked ${operation}: ${operation} failed`,
      );
  });

  it('loads a lazy target on its first call, once, and declares it before', async () => {
    const inner = probe({ observable: true, proposals: true, batches: false });
    let loads = 0;
    const outer = decorateTarget({
      description: 'lazy probe',
      capabilities: { observable: true, proposals: true, batches: false },
      load: () => {
        loads++;
        return Promise.resolve(inner.target);
      },
    });
    expect([outer.description, outer.capabilities, loads]).toEqual([
      'lazy probe',
      { observable: true, proposals: true, batches: false },
      0,
    ]);
    for (const operation of operations) await everyCall[operation].call(outer);
    expect(loads).toBe(1);
    expect(inner.calls).toEqual(operations.map((o) => everyCall[o].seen));
  });

  it('refuses a lazy target that loads with other capabilities than it declared', async () => {
    const outer = decorateTarget({
      description: 'lazy probe',
      capabilities: { observable: true, proposals: false, batches: false },
      load: () => Promise.resolve(probe({ observable: false, proposals: false, batches: false }).target),
    });
    await expect(outer.write(manifest)).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('lazy probe declares') as unknown,
    });
  });

  it('counts failed writes and removals for Prometheus, and forwards reading back uncounted', async () => {
    const metrics = serverMetrics({
      catchUp: () => Promise.reject(new Error('unused')),
      figures: () => Promise.reject(new Error('unused')),
      pendingNotifications: () => Promise.resolve({}),
      now: () => 0,
    });
    const inner = probe({ observable: true, proposals: true, batches: false });
    const counted = metrics.countingTarget('prod', inner.target);
    expect(counted.capabilities).toEqual({ observable: true, proposals: true, batches: false });
    expect(await counted.list()).toEqual([]);
    inner.state.failing = true;
    for (const operation of operations) await expect(everyCall[operation].call(counted)).rejects.toThrow();
    const failures = await metrics.registry.getSingleMetric('waiver_sync_failures_total')?.get();
    expect(failures?.values.map((v) => [v.labels, v.value])).toEqual([
      [{ target: 'prod', operation: 'write' }, 1],
      [{ target: 'prod', operation: 'remove' }, 1],
    ]);
  });
});

/*
 * Type-level test: the type checker (`tsc -p tsconfig.test.json`, run before every commit and in CI), not
 * vitest, checks these lines. Each `@ts-expect-error` says the next statement must NOT compile; if it
 * ever did (a `Target` method made optional again, a capability dropped), the directive itself would be
 * an error, "Unused '@ts-expect-error' directive", and the type check would fail.
 */
export function decoratorsMissingAMethodDoNotCompile(inner: Target): Target[] {
  // @ts-expect-error -- a hand-written decorator that forgets `list` is not a Target.
  const forgetsList: Target = {
    description: inner.description,
    capabilities: inner.capabilities,
    write: (m) => inner.write(m),
    remove: (namespace, name, apiVersion) => inner.remove(namespace, name, apiVersion),
    proposalState: (url) => inner.proposalState(url),
  };
  // @ts-expect-error -- nor one that forgets to say what the target can do.
  const forgetsCapabilities: Target = {
    description: inner.description,
    write: (m) => inner.write(m),
    remove: (namespace, name, apiVersion) => inner.remove(namespace, name, apiVersion),
    list: () => inner.list(),
    proposalState: (url) => inner.proposalState(url),
  };
  return [forgetsList, forgetsCapabilities];
}
