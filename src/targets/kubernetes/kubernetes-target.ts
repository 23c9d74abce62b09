import type { KubeConfig } from '@kubernetes/client-node';
import { WaiverError } from '../../domain/errors.js';
import type { PolicyExceptionManifest } from '../../domain/manifest.js';
import type { ObservableTarget, ObservedException } from '../../service/ports.js';
import type { GeneratedClient } from './generated-client.js';
import { kubeHttp, type SendKubeCall } from './kube-http.js';
import { describeKubeError, isNotFound, isResourceUnknown, isTransient } from './kube-errors.js';

export const FIELD_MANAGER = 'waiver';
export const GROUP = 'kyverno.io';
export const PLURAL = 'policyexceptions';
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
export class KubernetesTarget implements ObservableTarget {
  readonly description: string;
  /** Lean calls; undefined behind a proxy, where client-node's generated client (loaded then) calls. */
  private readonly http: SendKubeCall | undefined;
  private generated: Promise<GeneratedClient> | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly version: 'v2' | 'v2beta1' = 'v2',
    private readonly retry: RetryPolicy = defaultRetry,
  ) {
    this.http = kubeHttp(kc);
    this.description = `cluster ${kc.getCurrentCluster()?.server ?? '(unknown)'}`;
  }

  async write(manifest: PolicyExceptionManifest): Promise<void> {
    const version = manifest.apiVersion.split('/')[1] ?? this.version;
    const { namespace = '', name } = manifest.metadata;
    const send = this.http;
    const path = `${objectPath(version, namespace, name)}?fieldManager=${FIELD_MANAGER}&force=true`;
    await this.call(`apply ${namespace}/${name}`, async (signal): Promise<unknown> => {
      if (send) return send({ method: 'PATCH', path, body: manifest, contentType: APPLY_PATCH, signal });
      return (await this.client()).write(manifest, version, signal);
    });
  }

  async remove(namespace: string, name: string): Promise<void> {
    const send = this.http;
    await this.call(`delete ${namespace}/${name}`, async (signal) => {
      try {
        if (send) await send({ method: 'DELETE', path: objectPath(this.version, namespace, name), signal });
        else await (await this.client()).remove(namespace, name, this.version, signal);
      } catch (e) {
        if (!isNotFound(e)) throw e; // already gone is what we wanted
      }
    });
  }

  async list(): Promise<ObservedException[]> {
    const send = this.http;
    const path = `/apis/${GROUP}/${this.version}/${PLURAL}`;
    const list = (await this.call('list PolicyExceptions', async (signal): Promise<unknown> => {
      if (send) return JSON.parse(await send({ method: 'GET', path, signal })) as unknown;
      return (await this.client()).list(this.version, signal);
    })) as { items?: unknown[] };
    return (list.items ?? []).map(observed);
  }

  private client(): Promise<GeneratedClient> {
    return (this.generated ??= import('./generated-client.js').then((m) => m.generatedClient(this.kc)));
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
