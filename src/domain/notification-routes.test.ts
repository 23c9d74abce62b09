import { describe, expect, it } from 'vitest';
import { activeRecord } from '../../test/support/records.js';
import type { AuditEvent } from './audit.js';
import { digestKey, messageSnapshot } from './notification.js';
import { exceptionView } from './view.js';
import {
  channelsFor,
  defaultRouting,
  outboxEntriesFor,
  type NotificationRouting,
} from './notification-routes.js';

const routing: NotificationRouting = {
  routes: [
    { channels: ['security-slack'], events: ['revoked', 'escalated', 'drift', 'rogue', 'sync_failed'] },
    { channels: ['payments-teams', 'mail'], namespaces: ['pay*'] },
    { channels: ['mail'], policies: ['require-image-signature'] },
  ],
  groups: {
    approvers: ['bob', 'erin'],
    security: ['sec@example.com'],
    policyOwners: { 'require-image-signature': ['olga'] },
  },
};

const audit = (action: AuditEvent['action'], data: Record<string, unknown> = {}, seq = 7): AuditEvent => ({
  seq,
  at: '2026-12-10T00:00:00Z',
  actor: 'carol',
  action,
  exceptionId: 1,
  data: { ...data, record: 'digest-of-the-row' },
  prevHash: 'p',
  hash: 'h',
});

const record = activeRecord({ approver: 'bob', applier: 'carol' });

describe('who hears what, on which channel', () => {
  it('routes by event, namespace glob and policy, each channel once', () => {
    const subject = { namespaces: ['payments'], policy: 'require-image-signature' };
    expect(channelsFor(routing, 'requested', subject)).toEqual(['payments-teams', 'mail']);
    expect(channelsFor(routing, 'revoked', subject)).toEqual(['security-slack', 'payments-teams', 'mail']);
    expect(channelsFor(routing, 'requested', { namespaces: ['billing'], policy: 'other' })).toEqual([]);
    expect(channelsFor(defaultRouting, 'requested', subject)).toEqual([]);
    expect(channelsFor(defaultRouting, 'reminder', subject)).toEqual(['log']);
  });

  it('tells the process document’s audience of each step', () => {
    const to = (action: AuditEvent['action'], data = {}) =>
      outboxEntriesFor(routing, '2026-12-01T00:00:00Z', audit(action, data), record, undefined)[0]
        ?.recipients;
    expect(to('requested')).toEqual(['bob', 'erin']);
    expect(to('approved')).toEqual(['alice']);
    expect(to('applied')).toEqual(['alice', 'bob']);
    expect(to('reminded')).toEqual(['alice', 'bob']);
    expect(to('expired')).toEqual(['alice']);
    expect(to('revoked')).toEqual(['sec@example.com', 'olga']);
    expect(to('renewal_requested')).toEqual(['bob', 'erin', 'sec@example.com', 'olga']);
    expect(to('drift_detected')).toEqual(['sec@example.com']);
    expect(to('synced')).toBeUndefined();
    expect(to('withdrawn')).toBeUndefined();
  });

  it('keys a reminder by the expiry it is about, and carries what its message shows, the whole exception to a webhook', () => {
    const [entry, other] = outboxEntriesFor(
      { ...routing, wholeExceptionChannels: ['mail'] },
      '2026-12-01T00:00:00Z',
      audit('reminded'),
      record,
      undefined,
    );
    const view = exceptionView(record, Date.parse('2026-12-10T00:00:00Z'));
    expect(entry).toMatchObject({
      key: `reminder:EX-1:${record.expiresAt}`,
      channel: 'payments-teams',
      event: 'reminder',
      exceptionId: 1,
      dueAt: '2026-12-01T00:00:00Z',
      payload: { at: '2026-12-10T00:00:00Z', actor: 'carol' },
    });
    expect(entry?.payload.exception).toEqual(messageSnapshot(view));
    expect(entry?.payload.exception).toMatchObject({ id: 'EX-1', name: record.name, reason: record.reason });
    expect(Object.keys(entry?.payload.exception ?? {})).not.toContain('state');
    expect(other).toMatchObject({ channel: 'mail', key: entry?.key });
    expect(other?.payload.exception).toEqual(view);
    expect(entry?.payload.details).toEqual({}); // the row digest is the audit trail's, not a message's
    const renewed = outboxEntriesFor(
      routing,
      'x',
      audit('reminded'),
      { ...record, expiresAt: '2027-01-01T00:00:00Z' },
      undefined,
    );
    expect(renewed[0]?.key).toBe('reminder:EX-1:2027-01-01T00:00:00Z');
  });

  it('tells security of a failed write only when a retry failed too', () => {
    const failed = (syncStatus: 'synced' | 'error') =>
      outboxEntriesFor(routing, 'x', audit('sync_failed', { operation: 'write', error: 'refused' }), record, {
        ...record,
        syncStatus,
      });
    expect(failed('synced')).toEqual([]);
    expect(failed('error')[0]).toMatchObject({
      key: 'sync_failed:EX-1:write',
      recipients: ['sec@example.com'],
    });
  });

  it('routes a rogue object by its namespace and policy, keyed by the event that found it', () => {
    const rogue = {
      ...audit(
        'rogue_detected',
        { namespace: 'payments', name: 'hand-made', policies: ['require-image-signature'] },
        42,
      ),
      exceptionId: null,
    };
    const entries = outboxEntriesFor(routing, 'x', rogue, undefined, undefined);
    expect(entries.map((e) => [e.channel, e.key])).toEqual([
      ['security-slack', 'rogue:none:42'],
      ['payments-teams', 'rogue:none:42'],
      ['mail', 'rogue:none:42'],
    ]);
  });

  it('names the digest by ISO week', () => {
    expect(digestKey(Date.parse('2026-11-29T23:00:00Z'))).toBe('digest:2026-W48'); // a Sunday
    expect(digestKey(Date.parse('2026-11-30T00:00:00Z'))).toBe('digest:2026-W49'); // the Monday after
    expect(digestKey(Date.parse('2027-01-01T12:00:00Z'))).toBe('digest:2026-W53');
    expect(digestKey(Date.parse('2024-12-30T00:00:00Z'))).toBe('digest:2025-W01');
  });
});
