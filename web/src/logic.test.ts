import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../src/domain/settings';
import { allowedActions } from './components/allowed-actions';
import { checkRequestFields, listOf } from './request-check';
import { href, parseRoute } from './route';

const me = (name: string, ...roles: ('requester' | 'approver' | 'applier' | 'auditor' | 'admin')[]) => ({
  name,
  roles,
});
const x = (
  state: string,
  extra: Partial<{ requestor: string; approver: string | null; escalated: boolean }> = {},
) => ({
  id: 'EX-1',
  state: state as never,
  requestor: 'alice',
  approver: null,
  escalated: false,
  ...extra,
});

describe('the web UI’s own logic', () => {
  it('offers each person only the actions their roles and separation of duties allow', () => {
    expect(allowedActions(x('pending'), me('bob', 'approver'), true)).toEqual(['approve', 'reject']);
    expect(allowedActions(x('pending'), me('alice', 'requester', 'approver'), true)).toEqual(['withdraw']);
    expect(
      allowedActions(x('approved', { approver: 'bob' }), me('bob', 'approver', 'applier'), true),
    ).toEqual(['reject']);
    expect(
      allowedActions(x('approved', { approver: 'bob' }), me('bob', 'approver', 'applier'), false),
    ).toEqual(['reject', 'apply']);
    expect(allowedActions(x('active'), me('carol', 'applier'), true)).toEqual(['revoke', 'escalate']);
    expect(allowedActions(x('active', { escalated: true }), me('alice', 'requester'), true)).toEqual([
      'renew',
    ]);
    expect(allowedActions(x('active'), me('dave', 'auditor'), true)).toEqual([]);
    expect(allowedActions(x('removed'), me('root', 'admin'), true)).toEqual([]);
  });

  it('checks a request with the server’s guardrails and renders what Kyverno would read', () => {
    const now = Date.parse('2026-12-01T09:00:00Z');
    const fields = {
      namespaces: ['payments'],
      names: ['payments-api-*'],
      category: 'legacy-migration' as const,
      ticket: 'MIG-7',
      reason: 'Legacy payments images move to the signed pipeline this month',
      expires: '45d',
    };
    const long = checkRequestFields(fields, defaultSettings, 'alice', now);
    expect(long.issues.map((i) => [i.field, i.message])).toEqual([
      ['expiresAt', 'a legacy-migration exception lasts at most 30 days'],
    ]);
    const ok = checkRequestFields({ ...fields, expires: '14d' }, defaultSettings, 'alice', now);
    expect(ok.issues).toEqual([]);
    expect(ok.preview).toContain('name: payments-api-mig-7');
    expect(ok.preview).toContain('cleanup.kyverno.io/ttl');
    const bad = checkRequestFields({ ...fields, expires: 'soon' }, defaultSettings, 'alice', now);
    expect(bad).toMatchObject({ preview: undefined, issues: [{ field: 'expires', code: 'usage' }] });
    expect(listOf(' payments, billing  ops ')).toEqual(['payments', 'billing', 'ops']);
  });

  it('reads pages and filters from the fragment, and writes them back', () => {
    expect(parseRoute('')).toEqual({ page: 'dashboard' });
    expect(parseRoute('#/exceptions/EX-1')).toEqual({ page: 'exception', id: 'EX-1' });
    const list = parseRoute(href('/exceptions', { state: 'active', namespace: '' }));
    expect(list.page === 'exceptions' && list.query.toString()).toBe('state=active');
    expect(parseRoute('#/nowhere')).toEqual({ page: 'not-found', path: '/nowhere' });
  });
});
