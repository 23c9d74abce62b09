import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { ExceptionManifest } from '../../domain/manifest.js';
import { FIELD_MANAGER, PLURAL, type ExceptionResource } from './exception-resource.js';

/**
 * The target's calls through client-node's generated client: for a cluster behind a proxy, which its
 * agents know how to reach. Loaded only then, since it brings every generated model with it.
 */
export function generatedClient(kc: KubeConfig) {
  const api = kc.makeApiClient(CustomObjectsApi);
  return {
    write: (
      manifest: ExceptionManifest,
      { group, version }: ExceptionResource,
      signal: AbortSignal,
    ): Promise<unknown> => {
      const { namespace = '', name } = manifest.metadata;
      return api.patchNamespacedCustomObject(
        {
          group,
          version,
          namespace,
          plural: PLURAL,
          name,
          body: manifest,
          fieldManager: FIELD_MANAGER,
          force: true,
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply, abortable(signal)),
      ) as Promise<unknown>;
    },
    remove: (
      namespace: string,
      name: string,
      { group, version }: ExceptionResource,
      signal: AbortSignal,
    ): Promise<unknown> =>
      api.deleteNamespacedCustomObject(
        { group, version, namespace, plural: PLURAL, name },
        abortable(signal),
      ) as Promise<unknown>,
    list: ({ group, version }: ExceptionResource, signal: AbortSignal): Promise<unknown> =>
      api.listClusterCustomObject({ group, version, plural: PLURAL }, abortable(signal)) as Promise<unknown>,
  };
}

export type GeneratedClient = ReturnType<typeof generatedClient>;

/**
 * Request options that tie a call to `signal`: aborting it closes the request. The client runs
 * middleware as promises on some paths and as its own observables on others: the value returned is a
 * promise that also answers `toPromise()`, which both accept.
 */
export function abortable(signal: AbortSignal): ConfigurationOptions {
  const settled = <T>(value: T) =>
    Object.assign(Promise.resolve(value), { toPromise: () => Promise.resolve(value) });
  const middleware = {
    pre: (context: RequestContext) => {
      context.setSignal(signal);
      return settled(context);
    },
    post: (response: ResponseContext) => settled(response),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' } as unknown as ConfigurationOptions;
}
