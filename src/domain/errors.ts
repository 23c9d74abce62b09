import type { Issue } from './issue.js';
import { issueText } from './issue-wording.js';

/**
 * The one error type of Waiver. `code` is stable (scripts and the HTTP API rely on it), `message` is
 * for humans, `field` names the offending input where there is one.
 */
export const errorCodes = [
  'usage', // malformed input: unknown flag, bad duration, unreadable YAML
  'unauthenticated', // no credentials, or credentials that do not verify
  'not_found', // unknown exception id or name
  'guardrail', // refused by a rule of the exception process
  'forbidden', // role or separation of duties
  'illegal_transition', // the lifecycle does not allow this action in this state
  'conflict', // a concurrent change or a uniqueness rule
  'target', // writing to or removing from the target failed
  'audit_broken', // the audit hash chain does not verify
  'lint_failed', // checked manifests have errors
  'unavailable', // the database does not answer or cannot write (for now): try again
  'storage_full', // the database's disk is full: nothing was written; try again when space is freed
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export type { Issue } from './issue.js';

export class WaiverError extends Error {
  override readonly name = 'WaiverError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly issues: readonly Issue[] = [],
    /** What the driver or the system said, for the log (never for the caller). */
    options?: { cause: unknown },
  ) {
    super(message, options);
  }

  /** One error for a list of guardrail issues; the message names every field and rule. */
  static fromIssues(code: ErrorCode, issues: readonly Issue[]): WaiverError {
    const first = issues[0];
    const message = issues.map((i) => issueText(i)).join('; ');
    return new WaiverError(code, message, first?.field, issues);
  }
}

/**
 * The first line of whatever was thrown: for one-line messages, never a stack trace. A first line that
 * ends in a colon introduced what followed (a YAML code frame, say): the colon goes with it.
 */
export const firstLine = (text: string): string => (text.split('\n')[0] ?? '').replace(/:\s*$/, '');
export const messageOf = (e: unknown): string => firstLine(e instanceof Error ? e.message : String(e));

const fileProblems: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
};

/** Why a file could not be read, in words (`no such file`), not the system's (`ENOENT: …, stat '…'`). */
export function fileProblemOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && fileProblems[code]) || messageOf(e);
}

export const isWaiverError = (e: unknown): e is WaiverError => e instanceof WaiverError;
