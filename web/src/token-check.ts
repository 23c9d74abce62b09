import { isWaiverError, type Issue } from '../../src/domain/errors';
import { parseExpiry } from '../../src/domain/time';

export interface TokenFields {
  owner: string;
  roles: readonly string[];
  expires: string;
}

/** What the server would refuse in a new token, by field, checked before it is sent. */
export function checkTokenFields(fields: TokenFields, nowMs: number): Issue[] {
  const issues: Issue[] = [];
  if (!fields.owner.trim())
    issues.push({ code: 'owner-missing', field: 'owner', message: 'give the identity it acts as' });
  if (fields.roles.length === 0)
    issues.push({ code: 'roles-missing', field: 'roles', message: 'choose at least one role' });
  if (fields.expires.trim())
    try {
      parseExpiry(fields.expires, nowMs);
    } catch (e) {
      if (!isWaiverError(e)) throw e;
      issues.push({ code: e.code, field: 'expires', message: e.message });
    }
  return issues;
}
