import type { KubeConfig } from '@kubernetes/client-node';
import { WaiverError } from '../../domain/errors.js';
import type { ExceptionManifest } from '../../domain/manifest.js';
import type { ObservedException } from '../../domain/observed.js';
import type { ProposalStatus } from '../../domain/proposal.js';
import type { TargetReceipt } from '../../domain/target-receipt.js';
import { backoffMs } from '../../domain/retry-backoff.js';
import { notCapable } from '../../service/decorate-target.js';
import type { Scheduler } from '../../service/ports/runtime.js';
import type { Target } from '../../service/ports/target.js';
import { pause } from '../../service/scheduled-loop.js';
import { CEL_RESOURCE, FIELD_MANAGER, GROUP, PLURAL, type ExceptionResource } from './exception-resource.js';
import type { GeneratedClient } from './generated-client.js';
import { withinDeadline } from './deadline.js';
import { kubeHttp, type SendKubeCall } from './kube-http.js';
import { describeKubeError, isNotFound, isResourceUnknown, isTransient } from './kube-errors.js';

/** Server-side apply's media type. */
const APPLY_PATCH = 'application/apply-patch+yaml';

export interface RetryPolicy {
  attempts: number;
  /** The first wait; each next one doubles, up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** One API call that takes longer has failed. */
  timeoutMs: number;
}

export const defaultRetry: RetryPolicy = {
  attempts: 4,
  backoffMs: 250,
  maxBackoffMs: 4_000,
  timeoutMs: 10_000,
};

/**
 * PolicyExceptions in a cluster, written with server-side apply (field manager `waiver`) and deleted by
 * name. Transient failures (5xx, 409, 429, timeouts, resets) are retried with capped exponential backoff;
 * what still fails is one clear line, and the caller records it as the exception's sync error.
 */
export class KubernetesTarget implements Target {
  readonly description: string;
  /** Read back by the controller; a change is applied, never proposed. */
  readonly capabilities = { observable: true, proposals: false, batches: false } as const;
  /** Lean calls; undefined behind a proxy, where client-node's generated client (loaded then) calls. */
  private readonly http: SendKubeCall | undefined;
  private generated: Promise<GeneratedClient> | undefined;

  constructor(
    private readonly kc: KubeConfig,
    /** The waits between tries. */
    private readonly scheduler: Scheduler,
    private readonly version: 'v2' | 'v2beta1' = 'v2',
    private readonly retry: RetryPolicy = defaultRetry,
  ) {
    this.http = kubeHttp(kc);
    this.description = `cluster ${kc.getCurrentCluster()?.server ?? '(unknown)'}`;
  }

  /** Server-side apply; the receipt is the object's resourceVersion after it. */
  async write(manifest: ExceptionManifest): Promise<TargetReceipt> {
    const where = this.resourceOf(manifest.apiVersion);
    const { namespace = '', name } = manifest.metadata;
    const send = this.http;
    const path = `${objectPath(where, namespace, name)}?fieldManager=${FIELD_MANAGER}&force=true`;
    const applied = await this.call(`apply ${namespace}/${name}`, async (signal): Promise<unknown> => {
      if (send) return send({ method: 'PATCH', path, body: manifest, contentType: APPLY_PATCH, signal });
      return (await this.client()).write(manifest, where, signal);
    });
    const revision = resourceVersionOf(applied);
    return revision === undefined ? {} : { revision };
  }

  async remove(namespace: string, name: string, apiVersion?: string): Promise<void> {
    const where = this.resourceOf(apiVersion);
    const send = this.http;
    await this.call(`delete ${namespace}/${name}`, async (signal) => {
      try {
        if (send) await send({ method: 'DELETE', path: objectPath(where, namespace, name), signal });
        else await (await this.client()).remove(namespace, name, where, signal);
      } catch (e) {
        if (!isNotFound(e)) throw e; // already gone is what we wanted
      }
    });
  }

  proposalState(): Promise<ProposalStatus> {
    return notCapable(this.description, 'proposals');
  }

  /**
   * Every PolicyException where Kyverno reads them: the kyverno.io ones, and the CEL ones
   * (policies.kyverno.io) where that API is served; a Kyverno without it simply has none.
   */
  async list(): Promise<ObservedException[]> {
    const kyverno = await this.listGroup({ group: GROUP, version: this.version });
    const cel = await this.listGroup(CEL_RESOURCE).catch((e: unknown) => {
      if (e instanceof WaiverError && e.message.includes('the server could not find')) return [];
      throw e;
    });
    return [...kyverno, ...cel];
  }

  private async listGroup(where: ExceptionResource): Promise<ObservedException[]> {
    const send = this.http;
    const path = `/apis/${where.group}/${where.version}/${PLURAL}`;
    const list = (await this.call(
      where.group === GROUP ? 'list PolicyExceptions' : 'list CEL PolicyExceptions',
      async (signal): Promise<unknown> => {
        if (send) return JSON.parse(await send({ method: 'GET', path, signal })) as unknown;
        return (await this.client()).list(where, signal);
      },
    )) as { items?: unknown[] };
    const apiVersion = `${where.group}/${where.version}`;
    return (list.items ?? []).map((item) => observed(item, apiVersion));
  }

  /** The group and version of an apiVersion; without one, kyverno.io at the configured version. */
  private resourceOf(apiVersion: string | undefined): ExceptionResource {
    const [group, version] = (apiVersion ?? '').split('/');
    if (group === CEL_RESOURCE.group) return { group, version: version ?? CEL_RESOURCE.version };
    return { group: GROUP, version: group === GROUP && version ? version : this.version };
  }

  private client(): Promise<GeneratedClient> {
    return (this.generated ??= import('./generated-client.js').then((m) => m.generatedClient(this.kc)));
  }

  private async call<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const backoff = { baseMs: this.retry.backoffMs, capMs: this.retry.maxBackoffMs };
    for (let attempt = 1; ; attempt++) {
      try {
        return await withinDeadline(this.retry.timeoutMs, work);
      } catch (e) {
        if (attempt >= this.retry.attempts || !isTransient(e)) {
          const hint = isResourceUnknown(e)
            ? '; is Kyverno (its PolicyException CRD) installed? see waiver doctor'
            : '';
          throw new WaiverError(
            'target',
            `${what}: ${describeKubeError(e, this.description)}${hint}`,
            'target',
          );
        }
        await pause(this.scheduler, backoffMs(attempt, backoff));
      }
    }
  }
}

/** Where one PolicyException lives in the API. */
const objectPath = (where: ExceptionResource, namespace: string, name: string): string =>
  `/apis/${where.group}/${where.version}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}/${encodeURIComponent(name)}`;

/** The parts of a PolicyException that drift detection compares. */
export function observed(item: unknown, apiVersion: string): ObservedException {
  const o = item as {
    metadata?: {
      namespace?: string;
      name?: string;
      uid?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    spec?: unknown;
  };
  const meta = o.metadata ?? {};
  return {
    apiVersion,
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    spec: o.spec,
  };
}

/** The resourceVersion of an API answer (the raw body, or the client's parsed object). */
function resourceVersionOf(answer: unknown): string | undefined {
  let object = answer;
  if (typeof answer === 'string') {
    try {
      object = JSON.parse(answer) as unknown;
    } catch {
      return undefined;
    }
  }
  const version = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  return typeof version === 'string' ? version : undefined;
}
