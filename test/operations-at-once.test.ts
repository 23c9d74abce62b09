import { describe, expect, it } from 'vitest';
import type { ExceptionRecord } from '../src/domain/exception.js';
import type { ServiceDeps } from '../src/service/deps.js';
import { TARGET_CONCURRENCY } from '../src/service/bounded.js';
import type { Target } from '../src/service/ports/target.js';
import { operationsAtOnce } from '../src/service/sync-target.js';
import { targetSet } from '../src/service/targets.js';
import { RecordingTarget } from './support/recording-target.js';

/** A recording target that declares it batches, as a Git repository does. */
const batching = (): Target => {
  const inner = new RecordingTarget();
  return Object.assign(Object.create(inner) as Target, {
    capabilities: { ...inner.capabilities, batches: true },
  });
};

const depsWith = (members: { name: string; target: Target }[]) =>
  ({ targets: targetSet(members.map((m) => ({ ...m, kind: 'git' as const }))) }) as unknown as ServiceDeps;
const on = (target: string, count: number) =>
  Array.from({ length: count }, (_, id) => ({ id, target }) as unknown as ExceptionRecord);

describe('how many target operations run at once', () => {
  it('gives a target that batches the whole batch, so a Git repository commits 200 applies together', () => {
    const deps = depsWith([{ name: 'repo', target: batching() }]);
    expect(operationsAtOnce(deps, on('repo', 200))).toBe(200);
  });

  it('keeps a cluster or a folder to a few at a time, and a batch that mixes them too', () => {
    const deps = depsWith([
      { name: 'repo', target: batching() },
      { name: 'cluster', target: new RecordingTarget() },
    ]);
    expect(operationsAtOnce(deps, on('cluster', 200))).toBe(TARGET_CONCURRENCY);
    expect(operationsAtOnce(deps, [...on('repo', 100), ...on('cluster', 100)])).toBe(TARGET_CONCURRENCY);
  });
});
