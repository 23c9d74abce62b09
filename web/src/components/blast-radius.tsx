import { useSession, type TargetInfo } from '../auth/session';
import { CoverageSummary } from './coverage-summary';
import { ErrorNote, Loading } from './status';
import { useAsync } from './use-async';

/** Whether the named target has a cluster to read (the blast radius needs one). */
export const readsCluster = (targets: readonly TargetInfo[], name: string): boolean =>
  targets.some((t) => t.name === name && t.cluster);

/** Said once where a page would show a blast radius and the exception's target has no cluster. */
export function NoClusterNote() {
  return (
    <p className="note">
      Blast radius needs a cluster target; see <em>Targets</em> in the README.
    </p>
  );
}

/**
 * What an exception lets through in the cluster now, matched as Kyverno's engine matches: the reviewer
 * sees exactly what approving exempts. A target without a cluster is never asked.
 */
export function BlastRadius({ id, target, level }: { id: string; target: string; level: 2 | 4 }) {
  const { targets } = useSession();
  const headingId = `blast-${id}`;
  const readable = readsCluster(targets, target);
  return (
    <section className="blast-radius" aria-labelledby={headingId}>
      {level === 2 ? (
        <h2 id={headingId}>What it lets through now</h2>
      ) : (
        <h4 id={headingId}>What it lets through now</h4>
      )}
      {readable ? <Coverage id={id} /> : <NoClusterNote />}
    </section>
  );
}

function Coverage({ id }: { id: string }) {
  const { api } = useSession();
  const report = useAsync(() => api.get('/api/v1/exceptions/{id}/covers', { path: { id } }), [api, id]);
  if (report.loading && !report.data) return <Loading what="the resources it covers" />;
  if (report.error !== undefined) return <ErrorNote error={report.error} />;
  if (!report.data) return null;
  return <CoverageSummary report={report.data} />;
}
