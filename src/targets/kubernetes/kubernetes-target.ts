import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { WaiverError } from '../../domain/errors.js';
import type { PolicyExceptionManifest } from '../../domain/manifest.js';
import type { ObservableTarget, ObservedException } from '../../service/ports.js';
import { KeepAliveAgents } from './keep-alive-agents.js';
import { kubeHttp, type SendKubeCall } from './kube-http.js';
import { describeKubeError, isNotFound, isResourceUnknown, isTransient } from './kube-errors.js';

export const FIELD_MANAGER = 'waiver';
const GROUP = 'kyverno.io';
const PLURAL = 'policyexceptions';

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
export class KubernetesTarget implements ObservableTarget {
  readonly description: string;
  private readonly api: CustomObjectsApi;
  private readonly agents = new KeepAliveAgents();
  /** Writes and deletes, sent lean; undefined behind a proxy, where client-node sends them. */
  private readonly http: SendKubeCall | undefined;

  constructor(
    kc: KubeConfig,
    private readonly version: 'v2' | 'v2beta1' = 'v2',
    private readonly retry: RetryPolicy = defaultRetry,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.http = kubeHttp(kc);
    this.description = `cluster ${kc.getCurrentCluster()?.server ?? '(unknown)'}`;
  }

  async write(manifest: PolicyExceptionManifest): Promise<void> {
    const version = manifest.apiVersion.split('/')[1] ?? this.version;
    const { namespace = '', name } = manifest.metadata;
    const send = this.http;
    if (send) {
      const path = `${objectPath(version, namespace, name)}?fieldManager=${FIELD_MANAGER}&force=true`;
      const contentType = PatchStrategy.ServerSideApply;
      return this.call(`apply ${namespace}/${name}`, (signal) =>
        send({ method: 'PATCH', path, body: manifest, contentType, signal }),
      );
    }
    await this.call(`apply ${namespace}/${name}`, (signal) =>
      this.api.patchNamespacedCustomObject(
        {
          group: GROUP,
          version,
          namespace,
          plural: PLURAL,
          name,
          body: manifest,
          fieldManager: FIELD_MANAGER,
          force: true,
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply, abortable(signal, this.agents)),
      ),
    );
  }

  async remove(namespace: string, name: string): Promise<void> {
    const send = this.http;
    await this.call(`delete ${namespace}/${name}`, async (signal) => {
      try {
        if (send) await send({ method: 'DELETE', path: objectPath(this.version, namespace, name), signal });
        else
          await this.api.deleteNamespacedCustomObject(
            { group: GROUP, version: this.version, namespace, plural: PLURAL, name },
            abortable(signal, this.agents),
          );
      } catch (e) {
        if (!isNotFound(e)) throw e; // already gone is what we wanted
      }
    });
  }

  async list(): Promise<ObservedException[]> {
    const list = (await this.call('list PolicyExceptions', (signal) =>
      this.api.listClusterCustomObject(
        { group: GROUP, version: this.version, plural: PLURAL },
        abortable(signal, this.agents),
      ),
    )) as { items?: unknown[] };
    return (list.items ?? []).map(observed);
  }

  private async call<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let wait = this.retry.backoffMs;
    for (let attempt = 1; ; attempt++) {
      // A call that runs out of time is aborted, not abandoned: its socket would keep the process alive.
      const abort = new AbortController();
      try {
        return await withTimeout(work(abort.signal), this.retry.timeoutMs);
      } catch (e) {
        abort.abort();
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
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(wait * 2, this.retry.maxBackoffMs);
      }
    }
  }
}

/** Where one PolicyException lives in the API. */
const objectPath = (version: string, namespace: string, name: string): string =>
  `/apis/${GROUP}/${version}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}/${encodeURIComponent(name)}`;

/**
 * Request options that tie a call to `signal`: aborting it closes the request; with `agents`, the call
 * goes over a kept-alive connection. The client runs
 * middleware as promises on some paths and as its own observables on others: the value returned is a
 * promise that also answers `toPromise()`, which both accept.
 */
function abortable(signal: AbortSignal, agents?: KeepAliveAgents): ConfigurationOptions {
  const settled = <T>(value: T) =>
    Object.assign(Promise.resolve(value), { toPromise: () => Promise.resolve(value) });
  const middleware = {
    pre: (context: RequestContext) => {
      context.setSignal(signal);
      const agent = context.getAgent();
      if (agents && agent) context.setAgent(agents.reuse(agent));
      return settled(context);
    },
    post: (response: ResponseContext) => settled(response),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' } as unknown as ConfigurationOptions;
}

/** The parts of a PolicyException that drift detection compares. */
export function observed(item: unknown): ObservedException {
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
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    spec: o.spec,
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
