import { parentPort } from 'node:worker_threads';
import type { ProcessSettings } from '../domain/settings.js';
import type { LintSource } from '../domain/lint-report.js';
import { lintManifests } from '../service/lint-manifests.js';

export interface LintJob {
  sources: LintSource[];
  nowMs: number;
  settings: ProcessSettings;
}

// One lint per worker: the server starts it with time and memory limits and reads one answer.
parentPort?.once('message', (job: LintJob) => {
  parentPort?.postMessage(
    lintManifests({ clock: { now: () => job.nowMs }, settings: job.settings }, job.sources),
  );
});
