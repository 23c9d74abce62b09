import { WaiverError } from '../domain/errors.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { DoctorFinding } from './ports.js';

export interface DoctorReport {
  findings: DoctorFinding[];
  /** How many checks failed; the CLI exits 1 when any did. */
  failed: number;
}

/**
 * `waiver doctor`: checks the configured cluster before use, including every policy that a live
 * exception names (and the default one).
 */
export async function checkCluster(deps: ServiceDeps, actor: Actor): Promise<DoctorReport> {
  authorize(actor, 'read');
  if (!deps.doctor)
    throw new WaiverError(
      'usage',
      'doctor checks a cluster, and none is configured: give --kubeconfig or --context (or kubernetes: in the config)',
      'context',
    );
  const live = await deps.store.listExceptions({ states: ['pending', 'approved', 'active'] });
  const policies = [...new Set([deps.settings.defaultPolicy, ...live.map((e) => e.policy)])];
  const findings = await deps.doctor.diagnose(policies);
  return { findings, failed: findings.filter((f) => f.status === 'fail').length };
}
