import type { ExceptionManifest } from '../../src/domain/manifest.js';
import type { ObservedException } from '../../src/domain/observed.js';
import type { ProposalStatus } from '../../src/domain/proposal.js';
import { notCapable } from '../../src/service/decorate-target.js';
import type { Target } from '../../src/service/ports/target.js';

const key = (namespace: string, name: string): string => `${namespace}/${name}`;

/**
 * A target in memory for the fast tier: it holds what was written, as a cluster would, records every
 * call, and fails on demand. It passes the same contract suite as the real targets.
 */
export class RecordingTarget implements Target {
  readonly description = 'recording target';
  readonly capabilities = { observable: true, proposals: false, batches: false } as const;
  readonly objects = new Map<string, ExceptionManifest>();
  /** `write ns/name` and `remove ns/name`, in order, failed calls included. */
  readonly calls: string[] = [];
  /** While set, every call fails with it. */
  failure: Error | undefined;

  write(manifest: ExceptionManifest): Promise<void> {
    const at = key(manifest.metadata.namespace ?? 'default', manifest.metadata.name);
    this.calls.push(`write ${at}`);
    if (this.failure) return Promise.reject(this.failure);
    this.objects.set(at, structuredClone(manifest));
    return Promise.resolve();
  }

  remove(namespace: string, name: string): Promise<void> {
    this.calls.push(`remove ${key(namespace, name)}`);
    if (this.failure) return Promise.reject(this.failure);
    this.objects.delete(key(namespace, name));
    return Promise.resolve();
  }

  list(): Promise<ObservedException[]> {
    if (this.failure) return Promise.reject(this.failure);
    return Promise.resolve(
      [...this.objects.entries()].map(([uid, m]) => ({
        apiVersion: m.apiVersion,
        namespace: m.metadata.namespace ?? 'default',
        name: m.metadata.name,
        uid,
        labels: { ...m.metadata.labels },
        annotations: { ...m.metadata.annotations },
        spec: structuredClone(m.spec),
      })),
    );
  }

  proposalState(): Promise<ProposalStatus> {
    return notCapable(this.description, 'proposals');
  }

  holds(namespace: string, name: string): boolean {
    return this.objects.has(key(namespace, name));
  }
}
