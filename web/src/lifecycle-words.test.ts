import { describe, expect, it } from 'vitest';
import { afterAction, endingOf, isDestructive } from './components/lifecycle-words';

const event = (action: string, actor: string, at: string, data: Record<string, unknown> = {}) => ({
  action,
  actor,
  at,
  data,
});
const history = [
  event('requested', 'alice', '2026-12-01T09:00:00Z'),
  event('approved', 'bob', '2026-12-01T10:00:00Z'),
  event('applied', 'carol', '2026-12-01T11:00:00Z'),
];

describe('how the web UI words an exception’s end and an action’s aftermath', () => {
  it('says how, by whom and when an ended exception ended, and nothing for a live one', () => {
    const revoked = [...history, event('revoked', 'carol', '2026-12-02T08:00:00Z', { comment: 'signed' })];
    expect(endingOf({ state: 'removed', removedAt: '2026-12-02T08:00:01Z' }, revoked)).toEqual({
      how: 'Revoked',
      by: 'carol',
      at: '2026-12-02T08:00:01Z',
      comment: 'signed',
    });
    const rejected = [history[0]!, event('rejected', 'bob', '2026-12-01T12:00:00Z', { comment: 'no' })];
    expect(endingOf({ state: 'rejected', removedAt: null }, rejected)).toMatchObject({
      how: 'Rejected',
      by: 'bob',
      at: '2026-12-01T12:00:00Z',
    });
    expect(endingOf({ state: 'active', removedAt: null }, history)).toBeUndefined();
    expect(endingOf({ state: 'expired', removedAt: null }, history)).toBeUndefined();
  });

  it('says what happens next after each action, naming the target', () => {
    const x = { id: 'EX-7', target: 'prod', requestor: 'alice' };
    expect(afterAction('approve', x, true)).toContain('an applier other than you applies it');
    expect(afterAction('approve', x, false)).not.toContain('other than you');
    expect(afterAction('apply', x, true)).toContain('target "prod"');
    expect(afterAction('renew', x, true, 'EX-8')).toContain('EX-8');
    expect(
      ['reject', 'revoke', 'withdraw', 'approve', 'apply'].map((v) => isDestructive(v as never)),
    ).toEqual([true, true, true, false, false]);
  });
});
