import { describe, expect, it } from 'vitest';
import { checkTokenFields } from './token-check';

const now = Date.parse('2026-12-06T12:00:00Z');

describe('checkTokenFields', () => {
  it('takes an owner, a role and a duration, an instant or no expiry', () => {
    for (const expires of ['90d', '1d12h', '2027-01-01T00:00:00Z', ''])
      expect(checkTokenFields({ owner: 'erin', roles: ['requester'], expires }, now)).toEqual([]);
  });

  it('names each field it refuses: no role, an expiry that is no duration, no owner', () => {
    const issues = checkTokenFields({ owner: ' ', roles: [], expires: '9x' }, now);
    expect(issues.map((i) => i.field)).toEqual(['owner', 'roles', 'expires']);
    expect(issues.find((i) => i.field === 'expires')?.message).toBe(
      '"9x" is not a duration (14d) or an RFC3339 instant (2026-12-31T00:00:00Z)',
    );
  });
});
