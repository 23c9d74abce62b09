import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSettings } from '../../../src/domain/settings.js';
import { localActor } from '../../../src/service/actor.js';
import type { ServiceDeps } from '../../../src/service/deps.js';
import { defaultRouting } from '../../../src/domain/notification-routes.js';
import { createWaiver, type Waiver } from '../../../src/service/waiver.js';
import { openSqliteStore } from '../../../src/store/open-sqlite.js';
import { KubernetesCatalog } from '../../../src/targets/kubernetes/cluster-catalog.js';
import { KubernetesInventory } from '../../../src/targets/kubernetes/cluster-inventory.js';
import { diagnose } from '../../../src/targets/kubernetes/doctor.js';
import { loadKubeConfig } from '../../../src/targets/kubernetes/kube-config.js';
import { KubernetesTarget } from '../../../src/targets/kubernetes/kubernetes-target.js';
import { systemScheduler } from '../../../src/system/system-scheduler.js';
import { afterEach } from 'vitest';
import { ManualClock, useTempDir } from '../temp.js';
import { FakeKubeApiServer } from './fake-api-server.js';
import { legacyRequest } from '../requests.js';
import { oneTarget } from '../targets.js';

/** A cluster as Waiver expects it: the exception namespace, workload namespaces, Kyverno and its policy. */
export function seedCluster(api: FakeKubeApiServer): void {
  for (const name of ['policy-exceptions', 'payments', 'kyverno'])
    api.seed('v1', 'Namespace', { metadata: { name } });
  api.seed('kyverno.io/v1', 'ClusterPolicy', {
    metadata: { name: 'require-image-signature' },
    spec: { rules: [{ name: 'check-image-signature', match: { any: [{ resources: { kinds: ['Pod'] } }] } }] },
  });
  api.seed('apps/v1', 'Deployment', {
    metadata: { name: 'kyverno-admission-controller', namespace: 'kyverno' },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'kyverno',
              args: ['--enablePolicyException=true', '--exceptionNamespace=policy-exceptions'],
            },
          ],
        },
      },
    },
  });
  api.seed('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
    metadata: { name: 'policyexceptions.kyverno.io' },
    spec: {
      versions: [
        { name: 'v2', served: true },
        { name: 'v2beta1', served: true },
      ],
    },
  });
}

export interface KubeWorld {
  api: FakeKubeApiServer;
  deps: ServiceDeps;
  /** The cluster's target, as the deps hold it (a test deletes behind Waiver's back with it). */
  target: KubernetesTarget;
  clock: ManualClock;
  kubeconfig: string;
  as(name: string): Waiver;
  close(): Promise<void>;
}

// Minutes to answer: no test here makes the server hang, and a loaded machine answers late.
const fast = { attempts: 3, backoffMs: 5, maxBackoffMs: 20, timeoutMs: 120_000 };

/** The service in-process against a test API server, with a clock the test moves. */
export async function kubeWorld(dir: string, options: { catalog?: boolean } = {}): Promise<KubeWorld> {
  const api = await new FakeKubeApiServer().start();
  seedCluster(api);
  const kubeconfig = join(dir, 'kubeconfig');
  mkdirSync(dir, { recursive: true });
  writeFileSync(kubeconfig, api.kubeconfig());
  const kc = loadKubeConfig({ kubeconfig });
  const clock = new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
  const target = new KubernetesTarget(kc, systemScheduler, 'v2', fast);
  const deps: ServiceDeps = {
    store: await openSqliteStore(join(dir, 'w.db')),
    targets: oneTarget(target, {
      name: KUBE_TARGET,
      cluster: {
        catalog: options.catalog
          ? new KubernetesCatalog(kc)
          : { checkScope: () => Promise.resolve([]), policies: () => Promise.resolve([]) },
        doctor: { diagnose: (policies) => diagnose(kc, defaultSettings, policies) },
        inventory: new KubernetesInventory(kc),
      },
    }),
    notifications: defaultRouting,
    clock,
    settings: defaultSettings,
    instance: 'test',
  };
  return {
    api,
    deps,
    target,
    clock,
    kubeconfig,
    as: (name) => createWaiver(deps, localActor(name)),
    close: async () => {
      await deps.store.close();
      await api.stop();
    },
  };
}

/** The cluster target's name in these tests. */
export const KUBE_TARGET = 'test-cluster';

export const request = legacyRequest('MIG-7');
export const NAME = 'payments-api-mig-7';
export const NS = 'policy-exceptions';

/**
 * A seeded test cluster for the tests that reach it through a kubeconfig file, as users do: the API
 * server, a fresh folder, and the kubeconfig in it. Stopped after each test.
 */
export function useTestCluster(): () => Promise<{ api: FakeKubeApiServer; dir: string; kubeconfig: string }> {
  const tempDir = useTempDir();
  const servers: FakeKubeApiServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });
  return async () => {
    const api = await new FakeKubeApiServer().start();
    servers.push(api);
    seedCluster(api);
    const dir = tempDir();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfig());
    return { api, dir, kubeconfig };
  };
}
