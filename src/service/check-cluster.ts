import { messageOf } from '../domain/errors.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { DoctorFinding } from '../domain/doctor-finding.js';
import { clusterOf, clusterTargets, targetNamed } from './targets.js';

export interface DoctorReport {
  findings: DoctorFinding[];
  /** How many checks failed; the CLI exits 1 when any did. */
  failed: number;
}

/**
 * `waiver doctor`: checks each cluster target (or the one named) before use, including every policy that
 * a live exception there names (and the default one). A cluster that cannot be reached is one failed
 * finding; the others are still checked.
 */
export async function checkCluster(
  deps: ServiceDeps,
  actor: Actor,
  options: { target?: string | undefined } = {},
): Promise<DoctorReport> {
  authorize(actor, 'read');
  const clusters = options.target === undefined ? clusterTargets(deps) : [targetNamed(deps, options.target)];
  if (clusters.length === 0 || options.target !== undefined)
    clusterOf(deps, 'doctor checks a cluster', options.target);
  const findings: DoctorFinding[] = [];
  for (const { name, cluster } of clusters) {
    if (!cluster) continue;
    const live = await deps.store.listExceptions({
      states: ['pending', 'approved', 'active'],
      targets: [name],
    });
    const policies = [...new Set([deps.settings.defaultPolicy, ...live.map((e) => e.policy)])];
    try {
      findings.push(...(await cluster.doctor.diagnose(policies)).map((f) => ({ target: name, ...f })));
    } catch (e) {
      findings.push({ target: name, check: 'reachable', status: 'fail', message: messageOf(e) });
    }
  }
  const said = deps.configuredBy === 'server' ? findings.map(forServerCallers) : findings;
  return { findings: said, failed: said.filter((f) => f.status === 'fail').length };
}

/**
 * A server's caller cannot give it --kubeconfig: an unreachable cluster is its operator's to fix, in the
 * server's configuration.
 */
const forServerCallers = (finding: DoctorFinding): DoctorFinding =>
  finding.check === 'cluster' && finding.fix?.includes('--kubeconfig')
    ? {
        ...finding,
        fix: "the server's operator checks its kubeconfig or service account (targets: in the server's configuration)",
      }
    : finding;
