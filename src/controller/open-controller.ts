import { hostname } from 'node:os';
import type { Config } from '../config/load.js';
import type { ServiceDeps } from '../service/deps.js';
import { loadKubeConfig } from '../targets/kubernetes/kube-config.js';
import { Controller, type ControllerOptions } from './controller.js';

/** The controller for a configured cluster; undefined when exceptions go to a folder. */
export function openController(
  config: Config,
  deps: ServiceDeps,
  log: ControllerOptions['log'],
  onRun?: ControllerOptions['onRun'],
): Controller | undefined {
  if (!config.kubernetes) return undefined;
  return new Controller({
    deps,
    kc: loadKubeConfig(config.kubernetes),
    identity: `${hostname()}/${deps.instance}`,
    intervalMs: config.server.sweepIntervalSeconds * 1000,
    renewMs: 5_000,
    backoffMs: 1_000,
    maxBackoffMs: 60_000,
    log,
    ...(onRun ? { onRun } : {}),
  });
}
