import { lintText } from '../domain/lint.js';
import { overlapFindings } from '../domain/lint-overlap.js';
import type { LintReport, LintSource } from '../domain/lint-report.js';
import type { ServiceDeps } from './deps.js';

/** Checks PolicyException manifests the way a GitOps repository's CI would. */
export function lintManifests(
  deps: Pick<ServiceDeps, 'clock' | 'settings'>,
  sources: readonly LintSource[],
): LintReport {
  const nowMs = deps.clock.now();
  const findings = [
    ...sources.flatMap((s) => lintText(s.text, s.file, nowMs, deps.settings)),
    ...overlapFindings(sources),
  ];
  const errors = findings.filter((f) => f.severity === 'error').length;
  return { files: sources.length, errors, warnings: findings.length - errors, findings };
}
