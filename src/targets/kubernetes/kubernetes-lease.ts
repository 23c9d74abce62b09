import {
  CoordinationV1Api,
  type ConfigurationOptions,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import type { Clock, LeaderLease } from '../../service/ports/runtime.js';
import { withinDeadline } from './deadline.js';
import { abortable } from './generated-client.js';
import { isNotFound } from './kube-errors.js';

export interface LeaseOptions {
  namespace: string;
  name: string;
  identity: string;
  /** A leader that has not renewed for this long is presumed gone. */
  durationSeconds: number;
}

/** One Lease call may take this long: a cluster that never answers costs a renewal, not the controller. */
const CALL_TIMEOUT_MS = 5_000;

/**
 * Leader election with a coordination.k8s.io Lease, as client-go does it: take the lease when it is free
 * or lapsed, renew it while leading; an update races others by resourceVersion, so two controllers
 * cannot both win. Times come from the injected clock.
 */
export class KubernetesLease implements LeaderLease {
  private readonly api: CoordinationV1Api;

  constructor(
    kc: KubeConfig,
    private readonly options: LeaseOptions,
    private readonly clock: Clock,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, durationSeconds } = this.options;
    const now = new Date(this.clock.now());
    let current: V1Lease;
    try {
      current = await this.within((o) => this.api.readNamespacedLease({ name, namespace }, o));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      return this.create(now);
    }
    const spec = current.spec ?? {};
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const lapsed = renewed + (spec.leaseDurationSeconds ?? durationSeconds) * 1000 <= now.getTime();
    if (spec.holderIdentity !== identity && !lapsed) return false;
    const taking = spec.holderIdentity !== identity;
    try {
      await this.within((o) =>
        this.api.replaceNamespacedLease(
          {
            name,
            namespace,
            body: {
              ...current,
              spec: {
                ...spec,
                holderIdentity: identity,
                leaseDurationSeconds: durationSeconds,
                renewTime: now,
                ...(taking ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
              },
            },
          },
          o,
        ),
      );
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === 409) return false; // another controller was faster
      throw e;
    }
  }

  async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    try {
      const current = await this.within((o) => this.api.readNamespacedLease({ name, namespace }, o));
      if (current.spec?.holderIdentity !== identity) return;
      const { holderIdentity: _holder, renewTime: _renewed, ...rest } = current.spec;
      await this.within((o) =>
        this.api.replaceNamespacedLease({ name, namespace, body: { ...current, spec: rest } }, o),
      );
    } catch {
      // best effort: the lease lapses anyway
    }
  }

  private async create(now: Date): Promise<boolean> {
    const { namespace, name, identity, durationSeconds } = this.options;
    try {
      await this.within((o) =>
        this.api.createNamespacedLease(
          {
            namespace,
            body: {
              metadata: { name, namespace },
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds: durationSeconds,
                acquireTime: now,
                renewTime: now,
                leaseTransitions: 0,
              },
            },
          },
          o,
        ),
      );
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === 409) return false;
      throw e;
    }
  }

  /** One Lease call, aborted when it takes longer than CALL_TIMEOUT_MS. */
  private within<T>(call: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
    return withinDeadline(CALL_TIMEOUT_MS, (signal) => call(abortable(signal)));
  }
}
