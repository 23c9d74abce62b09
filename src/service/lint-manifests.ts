import { lintText, type Finding } from '../domain/lint.js';
import type { ServiceDeps } from './deps.js';

export interface LintSource {
  file: string;
  text: string;
}

/** Checks PolicyException manifests the way a GitOps repository's CI would. */
export function lintManifests(
  deps: Pick<ServiceDeps, 'clock' | 'settings'>,
  sources: readonly LintSource[],
): Finding[] {
  const nowMs = deps.clock.now();
  return sources.flatMap((s) => lintText(s.text, s.file, nowMs, deps.settings));
}
