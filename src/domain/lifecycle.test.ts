import { describe, expect, it } from 'vitest';
import { activeRecord } from '../../test/support/records.js';
import type { ExceptionRecord } from './exception.js';
import { actions, transition, transitions } from './lifecycle.js';

const now = '2026-11-29T12:00:00Z';
const pending = activeRecord({
  state: 'pending',
  approver: null,
  applier: null,
  approvedAt: null,
  appliedAt: null,
  syncStatus: 'none',
});
const input = (actor: string, comment?: string) => ({
  actor,
  now,
  requireDistinctApplier: true,
  ...(comment ? { comment } : {}),
});

describe('lifecycle', () => {
  it('follows the transition table', () => {
    expect(transition(pending, 'approve', input('bob')).record).toMatchObject({
      state: 'approved',
      approver: 'bob',
      approvedAt: now,
    });
    const approved = transition(pending, 'approve', input('bob')).record;
    const applied = transition(approved, 'apply', input('carol'));
    expect(applied.record).toMatchObject({
      state: 'active',
      applier: 'carol',
      appliedAt: now,
      syncStatus: 'pending',
    });
    expect(applied.event).toEqual({ action: 'applied', data: { from: 'approved', to: 'active' } });
    expect(transition(applied.record, 'revoke', input('bob')).record).toMatchObject({
      state: 'removed',
      endReason: 'revoked',
      removedAt: now,
    });
    expect(transition(applied.record, 'supersede', input('carol')).event).toMatchObject({
      action: 'removed',
      data: { endReason: 'superseded' },
    });
  });

  it('refuses every action the table does not list', () => {
    const states = Object.keys(transitions) as ExceptionRecord['state'][];
    for (const state of states) {
      for (const action of actions) {
        if (transitions[state][action] !== undefined) continue;
        const record = activeRecord({ state, approver: 'bob' });
        expect(() => transition(record, action, input('dave', 'why')), `${action} in ${state}`).toThrow(
          expect.objectContaining({ code: 'illegal_transition' }) as Error,
        );
      }
    }
  });

  it('never lets the requestor review their own request', () => {
    expect(() => transition(pending, 'approve', input('alice'))).toThrow(
      expect.objectContaining({ code: 'forbidden', field: 'actor' }) as Error,
    );
    expect(() => transition(pending, 'reject', input('alice', 'no'))).toThrow(
      expect.objectContaining({ code: 'forbidden' }) as Error,
    );
  });

  it('keeps approver and applier apart unless configured otherwise', () => {
    const approved = transition(pending, 'approve', input('bob')).record;
    expect(() => transition(approved, 'apply', input('bob'))).toThrow(
      expect.objectContaining({ code: 'forbidden' }) as Error,
    );
    expect(
      transition(approved, 'apply', { ...input('bob'), requireDistinctApplier: false }).record.state,
    ).toBe('active');
  });

  it('takes e-mail addresses that differ only in case for one person', () => {
    const mixed = { ...pending, requestor: 'A.User@Example.com' };
    const refused = (f: () => unknown) =>
      expect(f).toThrow(expect.objectContaining({ code: 'forbidden', field: 'actor' }) as Error);
    for (const ignoreCase of [true, false]) {
      const options = { identitiesIgnoreCase: ignoreCase };
      refused(() => transition(mixed, 'approve', { ...input('a.user@example.com'), ...options }));
      refused(() => transition(mixed, 'reject', { ...input('A.USER@EXAMPLE.COM', 'no'), ...options }));
      expect(transition(mixed, 'withdraw', { ...input('a.user@example.com'), ...options }).record.state).toBe(
        'withdrawn',
      );
    }
    const approved = transition(pending, 'approve', input('Bob@Example.com')).record;
    refused(() => transition(approved, 'apply', input('bob@example.com')));
    expect(() => transition(mixed, 'approve', input('a.user@example.org'))).not.toThrow();
  });

  it('takes other names that differ only in case for one person unless configured otherwise', () => {
    const alice = { ...pending, requestor: 'Alice' };
    expect(() => transition(alice, 'approve', input('alice'))).toThrow(
      expect.objectContaining({ code: 'forbidden' }) as Error,
    );
    expect(
      transition(alice, 'approve', { ...input('alice'), identitiesIgnoreCase: false }).record.state,
    ).toBe('approved');
  });

  it('never lets an earlier requestor of a renewal chain review a later link of it', () => {
    const renewal = { ...pending, requestor: 'dave', renewalOf: 1 };
    const chain = { earlierRequestors: ['erin', 'A.User@Example.com'] };
    for (const action of ['approve', 'reject'] as const)
      expect(() => transition(renewal, action, { ...input('a.user@example.com', 'no'), ...chain })).toThrow(
        expect.objectContaining({
          code: 'forbidden',
          field: 'actor',
          message:
            'a.user@example.com requested an exception that EX-1 renews (as A.User@Example.com) and cannot ' +
            `${action} the renewal: a second person must review`,
        }) as Error,
      );
    expect(() => transition(renewal, 'approve', { ...input('Erin'), ...chain })).toThrow(
      expect.objectContaining({ code: 'forbidden' }) as Error,
    );
    expect(transition(renewal, 'approve', { ...input('bob'), ...chain }).record.state).toBe('approved');
  });

  it('lets only the requestor withdraw, and needs a comment to reject or escalate', () => {
    expect(() => transition(pending, 'withdraw', input('bob'))).toThrow(
      expect.objectContaining({ code: 'forbidden' }) as Error,
    );
    expect(transition(pending, 'withdraw', input('alice')).record.state).toBe('withdrawn');
    expect(() => transition(pending, 'reject', input('bob'))).toThrow(
      expect.objectContaining({ code: 'usage', field: 'comment' }) as Error,
    );
    expect(() => transition(activeRecord(), 'escalate', input('bob'))).toThrow(
      expect.objectContaining({ field: 'comment' }) as Error,
    );
  });

  it('refuses to apply an exception whose expiry has passed, and to escalate or remind twice', () => {
    const approved = activeRecord({ state: 'approved', expiresAt: '2026-11-29T11:59:59Z' });
    expect(() => transition(approved, 'apply', input('carol'))).toThrow(
      expect.objectContaining({ code: 'guardrail', field: 'expiresAt' }) as Error,
    );
    const escalated = transition(activeRecord(), 'escalate', input('bob', 'needs a policy change')).record;
    expect(escalated).toMatchObject({ state: 'active', escalatedAt: now });
    expect(() => transition(escalated, 'escalate', input('bob', 'again'))).toThrow(
      expect.objectContaining({ code: 'illegal_transition' }) as Error,
    );
    const reminded = transition(activeRecord(), 'remind', input('system')).record;
    expect(() => transition(reminded, 'remind', input('system'))).toThrow(
      expect.objectContaining({ code: 'illegal_transition' }) as Error,
    );
  });
});
