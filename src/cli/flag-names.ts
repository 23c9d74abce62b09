import type { Issue } from '../domain/errors.js';
import { issueText } from '../domain/issue-wording.js';

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

/**
 * One issue as one line in the words of the command line: `--reason is required`, `--role: 'foo' is not
 * one of …`, `--expires: an emergency-hotfix exception lasts at most 7 days [expiry-max]`. A repeatable
 * flag is named without the index of the value (`--role`, not `--role.0`); fields no flag sets keep
 * their names.
 */
export function issueLine(issue: Issue): string {
  const [head = '', ...rest] = issue.field.split('.');
  const flag = flags[head];
  const where = flag ? [flag, ...rest.filter((part) => !/^\d+$/.test(part))].join('.') : issue.field;
  return issueText(issue, where);
}
