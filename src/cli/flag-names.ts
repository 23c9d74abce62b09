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
  'riskRating.before': '--risk-before',
  'riskRating.after': '--risk-after',
  compensatingControls: '--compensating-controls',
  validations: '--validation',
  falsePositive: '--false-positive',
  closure: '--closure',
  model: '--model',
  from: '--from',
  to: '--to',
  expires: '--expires',
  expiresAt: '--expires',
  apiVersion: '--api-version',
  comment: '--comment',
  owner: '--owner',
  roles: '--role',
  description: '--description',
  // Fields only the CLI's own flags set.
  namespace: '--namespace',
  now: '--now',
  since: '--since',
  until: '--until',
  state: '--state',
  sort: '--sort',
  'expiring-within': '--expiring-within',
  expiringWithin: '--expiring-within',
  file: '-f',
  'from-violation': '--from-violation',
  'reports-from': '--reports-from',
  reportsFrom: '--reports-from',
  'private-key': '--private-key',
  'public-key': '--public-key',
  verify: '--verify',
};

/**
 * An error's message as one line naming its flag: `--expires: "soon" is not a duration …`. A message that
 * names its flag already (`--checkpoint goes with --verify`, `reject needs --comment saying why`), or a field no flag sets, is left as it is.
 */
export function errorLine(message: string, field: string | undefined): string {
  const flag = field === undefined ? undefined : flags[field];
  if (!flag || message.startsWith('-') || new RegExp(`(^|\\s)${flag}(?![\\w-])`).test(message))
    return message;
  return `${flag}: ${message}`;
}

/**
 * One issue as one line in the words of the command line: `--reason is required`, `--role: 'foo' is not
 * one of …`, `--expires: an emergency-hotfix exception lasts at most 7 days [expiry-max]`. A repeatable
 * flag is named without the index of the value (`--role`, not `--role.0`); fields no flag sets keep
 * their names.
 */
export function issueLine(issue: Issue): string {
  const parts = issue.field.split('.');
  // A flag for a nested field (`riskRating.after`, `--risk-after`) names the part within it in brackets.
  const nested = parts.length > 2 ? flags[parts.slice(0, 2).join('.')] : undefined;
  if (nested) return issueText(issue, `${nested} (${parts.slice(2).join('.')})`);
  if (parts.length === 2 && flags[issue.field]) return issueText(issue, flags[issue.field] ?? issue.field);
  const [head = '', ...rest] = parts;
  const flag = flags[head];
  const where = flag ? [flag, ...rest.filter((part) => !/^\d+$/.test(part))].join('.') : issue.field;
  return issueText(issue, where);
}
