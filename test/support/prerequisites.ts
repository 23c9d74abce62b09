import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The programs some tests need besides Node.js. Where one is missing, its tests are skipped and the run
 * says so, with how to get it, as the Chromium (support/browser.ts) and PostgreSQL (support/databases.ts)
 * tests do; `.ci/run` installs every one, and there nothing may be skipped.
 */
function needs(available: boolean, note: string): boolean {
  if (!available) console.warn(note);
  return available;
}

const runs = (command: string, args: string[]): boolean =>
  spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/** Helm (WAIVER_HELM, else `helm` on the PATH), for the chart's tests. */
export const helm = process.env['WAIVER_HELM'] ?? 'helm';
export const hasHelm = (): boolean =>
  needs(
    runs(helm, ['version']),
    'Helm chart tests skipped: install helm (https://helm.sh/docs/intro/install/, or bash .ci/helm.sh) or set WAIVER_HELM to run them; .ci/run does.',
  );

/** git, for the Git target's tests (bare repositories on disk). */
export const hasGit = (): boolean =>
  needs(
    runs('git', ['--version']),
    'Git target tests skipped: install git (apt-get install git) to run them; .ci/run does.',
  );

/** kubectl, for the tests that check the test API server and `kubectl waiver` with the real client. */
export const hasKubectl = (): boolean =>
  needs(
    runs('kubectl', ['version', '--client']),
    'kubectl tests skipped: install kubectl (https://kubernetes.io/docs/tasks/tools/) to run them.',
  );

/** Prometheus's checker (Debian's prometheus package), for the checks of a live /metrics scrape. */
export const promtool = (): string | undefined => {
  const found = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
  needs(
    found !== undefined,
    'promtool checks of /metrics skipped: install promtool (apt-get install prometheus) to run them; .ci/run does.',
  );
  return found;
};
