import type { Issue } from '../domain/errors.js';

/** The flag a user types for each input field that the service and the API name. */
const flags: Record<string, string> = {
  name: '--exception-name',
  policy: '--policy',
  rules: '--rule',
  kinds: '--kind',
  namespaces: '--namespace',
  names: '--name',
  category: '--category',
  ticket: '--ticket',
  reason: '--reason',
  riskAssessment: '--risk-assessment',
  expires: '--expires',
  expiresAt: '--expires',
  apiVersion: '--api-version',
  comment: '--comment',
  owner: '--owner',
  roles: '--role',
  description: '--description',
};

/** zod's words for an absent value. */
const MISSING = /^Invalid input: expected \w+, received undefined$/;

/**
 * One issue as one line in the words of the command line: `--reason is required`, `--expires: an
 * emergency-hotfix exception lasts at most 7 days [expiry-max]`. Fields no flag sets keep their names.
 */
export function issueLine(issue: Issue): string {
  const [head = '', ...rest] = issue.field.split('.');
  const flag = flags[head];
  const where = flag ? [flag, ...rest].join('.') : issue.field;
  if (MISSING.test(issue.message)) return `${where} is required`;
  return `${where}: ${issue.message.replace(/^Invalid input: /, '')} [${issue.code}]`;
}
