import type { ProcessSettings } from './settings.js';

export type Severity = 'error' | 'warning';

/** One thing lint says about one PolicyException in one file. */
export interface Finding {
  file: string;
  object: string;
  rule: string;
  severity: Severity;
  message: string;
}

export type RawFinding = Omit<Finding, 'file' | 'object'>;

export interface LintContext<M> {
  manifest: M;
  nowMs: number;
  settings: ProcessSettings;
}

/** A lint rule: the findings one PolicyException earns. */
export type ExceptionLintRule<M> = (ctx: LintContext<M>) => RawFinding[];

export const error = (rule: string, message: string): RawFinding => ({ rule, severity: 'error', message });
export const warning = (rule: string, message: string): RawFinding => ({
  rule,
  severity: 'warning',
  message,
});
