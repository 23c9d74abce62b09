import type { Finding } from './lint-finding.js';

/** One manifest file to lint: its name, as findings cite it, and its text. */
export interface LintSource {
  file: string;
  text: string;
}

/** What linting a set of files found, and how many files, PolicyExceptions, errors and warnings. */
export interface LintReport {
  files: number;
  /** PolicyExceptions read (kyverno.io and policies.kyverno.io); 0 says nothing was checked. */
  exceptions: number;
  errors: number;
  warnings: number;
  findings: Finding[];
}
