import { Worker } from 'node:worker_threads';
import { WaiverError } from '../domain/errors.js';
import type { ProcessSettings } from '../domain/settings.js';
import type { LintReport } from '../domain/lint-report.js';
import type { ManifestLinter } from '../service/ports/runtime.js';
import type { LintJob } from './lint-worker.js';

export interface IsolationLimits {
  /** A lint taking longer is stopped and refused. */
  timeoutMs: number;
  /** Heap of one lint's worker. */
  memoryMb: number;
  /** Lints at once; more wait their turn. */
  concurrency: number;
}

export const defaultIsolation: IsolationLimits = { timeoutMs: 10_000, memoryMb: 256, concurrency: 2 };

/**
 * Lints untrusted manifests in worker threads with a time and a memory limit: however hostile or large
 * the input, the server's event loop keeps answering, and a lint that overruns is refused (422).
 */
export function isolatedLinter(
  workerFile: URL,
  settings: ProcessSettings,
  limits: IsolationLimits = defaultIsolation,
): ManifestLinter {
  let running = 0;
  const waiting: (() => void)[] = [];
  const turn = async (): Promise<void> => {
    if (running < limits.concurrency) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const done = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    lint: async (sources, nowMs) => {
      await turn();
      try {
        return await inWorker(workerFile, { sources: [...sources], nowMs, settings }, limits);
      } finally {
        done();
      }
    },
  };
}

function inWorker(workerFile: URL, job: LintJob, limits: IsolationLimits): Promise<LintReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile, {
      resourceLimits: {
        maxOldGenerationSizeMb: limits.memoryMb,
        maxYoungGenerationSizeMb: 32,
        stackSizeMb: 4,
      },
    });
    const refuse = (why: string) => {
      clearTimeout(timer);
      void worker.terminate();
      reject(new WaiverError('lint_failed', `the manifests could not be checked: ${why}`, 'sources'));
    };
    const timer = setTimeout(
      () => refuse(`it took longer than ${limits.timeoutMs / 1000} s`),
      limits.timeoutMs,
    );
    worker.once('message', (report: LintReport) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(report);
    });
    worker.once('error', (e) =>
      refuse(/memory/i.test(e.message) ? `it needed more than ${limits.memoryMb} MB` : e.message),
    );
    worker.postMessage(job);
  });
}
