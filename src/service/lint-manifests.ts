import { lintDocuments } from '../domain/lint.js';
import { overlapFindings } from '../domain/lint-overlap.js';
import type { LintReport, LintSource } from '../domain/lint-report.js';
import type { ServiceDeps } from './deps.js';

/** Checks PolicyException manifests the way a GitOps repository's CI would. */
export function lintManifests(
  deps: Pick<ServiceDeps, 'clock' | 'settings'>,
  sources: readonly LintSource[],
): LintReport {
  const nowMs = deps.clock.now();
  const linted = sources.map((s) => lintDocuments(s.text, s.file, nowMs, deps.settings));
  const findings = [...linted.flatMap((l) => l.findings), ...overlapFindings(sources)];
  const errors = findings.filter((f) => f.severity === 'error').length;
  const exceptions = linted.reduce((sum, l) => sum + l.exceptions, 0);
  return { files: sources.length, exceptions, errors, warnings: findings.length - errors, findings };
}
