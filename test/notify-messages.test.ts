import { describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../src/domain/notification.js';
import { exceptionView } from '../src/domain/view.js';
import { emailHtml, emailText } from '../src/notify/email-channel.js';
import { logChannel } from '../src/notify/log-channel.js';
import { composeMessage } from '../src/notify/message.js';
import { slackPayload } from '../src/notify/slack-channel.js';
import { teamsPayload } from '../src/notify/teams-channel.js';
import { webhookBody } from '../src/notify/webhook-channel.js';
import type { StoredNotification } from '../src/domain/notification-delivery.js';
import { activeRecord } from './support/records.js';

const HOSTILE = '<script>alert(1)</script> *bold* <!channel> [click](https://evil.example) & _x_\n- item';
const context = { publicUrl: 'https://waiver.example.com/' };

function notification(
  event: NotificationEvent,
  details: Record<string, unknown> = {},
  reason = HOSTILE,
): StoredNotification {
  const record = activeRecord({ reason, approver: 'bob', applier: 'carol' });
  return {
    id: 1,
    key: `${event}:EX-1`,
    channel: 'any',
    event,
    exceptionId: 1,
    recipients: ['alice', 'bob'],
    payload: { at: '2026-12-13T00:00:00Z', actor: 'carol', exception: exceptionView(record, 0), details },
    createdAt: '2026-12-13T00:00:00Z',
    state: 'pending',
    attempts: 0,
    nextAttemptAt: '2026-12-13T00:00:00Z',
    lastError: null,
    sentAt: null,
  };
}

interface TextObject {
  type: string;
  text: string;
}
const textObjects = (value: unknown): TextObject[] => {
  if (Array.isArray(value)) return value.flatMap(textObjects);
  if (typeof value !== 'object' || value === null) return [];
  const o = value as Record<string, unknown>;
  const own =
    typeof o['type'] === 'string' && typeof o['text'] === 'string' ? [o as unknown as TextObject] : [];
  return [...own, ...Object.values(o).flatMap(textObjects)];
};

describe('messages: one template per event, each channel escaping user text', () => {
  it('says what the reminder asks, with the expiry in UTC and relative, and the three outcomes', () => {
    const m = composeMessage(notification('reminder'), context);
    expect(m.title).toBe('EX-1 expires soon: payments-api-inc-1');
    expect(m.summary).toContain('expires at 2026-12-20T00:00:00Z (in 7 days)');
    expect(m.actions.map((a) => a.label)).toEqual(['Let it expire', 'Renew', 'Escalate']);
    expect(m.facts.find((f) => f.label === 'Expires (UTC)')?.value).toBe('2026-12-20T00:00:00Z (in 7 days)');
    expect(m.link).toBe('https://waiver.example.com/api/v1/exceptions/EX-1');
    expect(emailText(m)).toContain('Namespaces      payments');
  });

  it('keeps a hostile reason inert in Slack: only in plain_text, with & < > escaped', () => {
    const payload = slackPayload(composeMessage(notification('requested'), context), {
      bob: { slack: 'U0BOB' },
    });
    const texts = textObjects(payload.blocks);
    const withReason = texts.filter((t) => t.text.includes('alert(1)'));
    expect(withReason.length).toBeGreaterThan(0);
    expect(withReason.every((t) => t.type === 'plain_text')).toBe(true);
    expect(withReason[0]?.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; *bold* &lt;!channel&gt;');
    expect(JSON.stringify(payload)).not.toMatch(/<script>|<!channel>/);
    // The one mrkdwn text is Waiver's own: the mention it builds.
    expect(texts.filter((t) => t.type === 'mrkdwn').map((t) => t.text)).toEqual(['For: alice, <@U0BOB>']);
  });

  it('keeps a hostile reason inert in an Adaptive Card: its Markdown is escaped', () => {
    const card = JSON.stringify(teamsPayload(composeMessage(notification('requested'), context)));
    const reason = JSON.parse(card).attachments[0].content.body[2].facts.find(
      (f: { title: string }) => f.title === 'Reason',
    ).value as string;
    expect(reason).toBe(
      '<script>alert\\(1\\)</script> \\*bold\\* <\\!channel> \\[click\\]\\(https://evil.example\\) & \\_x\\_\n\\- item',
    );
  });

  it('keeps a hostile reason inert in the HTML part, and whole in the plain-text part', () => {
    const m = composeMessage(notification('requested'), context);
    const html = emailHtml(m);
    expect(html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; *bold* &lt;!channel&gt; [click](https://evil.example) &amp; _x_',
    );
    expect(html).not.toContain('<script>');
    expect(emailText(m)).toContain(HOSTILE.split('\n')[0]);
  });

  it('writes one log line whatever the reason holds, and a webhook body of the exception as the API shows it', () => {
    const lines: string[] = [];
    const n = notification('expired', {}, 'reason one\nforged: second line of the log, long enough');
    void logChannel('log', (l) => lines.push(l), context).deliver(n);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^expired: EX-1 expired and was removed: payments-api-inc-1: .* \[to: alice, bob\]$/,
    );
    expect(webhookBody(n)).toEqual({
      type: 'exception.expired',
      timestamp: '2026-12-13T00:00:00Z',
      data: n.payload.exception,
    });
  });

  it("stays within Slack's limits however long the text: 50 blocks, 3,000 characters a text, 150 a header", () => {
    const long = notification('requested', { comment: 'c'.repeat(10_000) }, 'r'.repeat(5_000));
    long.payload.exception = { ...long.payload.exception!, name: 'n'.repeat(300) };
    const payload = slackPayload(composeMessage(long, context), {});
    expect(payload.blocks.length).toBeLessThanOrEqual(50);
    const texts = textObjects(payload.blocks);
    expect(Math.max(...texts.map((t) => t.text.length))).toBeLessThanOrEqual(3000);
    expect((payload.blocks[0] as { text: TextObject }).text.text.length).toBeLessThanOrEqual(150);
    const digest = {
      ...notification('digest', {
        week: '2026-W50',
        metrics: {
          activeExceptions: 120,
          averageDurationDays: 16.5,
          expiredRemovedRate: 0.98,
          renewalRate: 0.12,
          trend: { slope: 3.5 },
          redFlag: true,
          targets: {
            averageDurationDays: { target: 14, meets: false },
            expiredRemovedRate: { target: 1, meets: false },
            renewalRate: { target: 0.1, meets: false },
            trend: { target: 0, meets: false },
          },
        },
        expiringNextWeek: Array.from({ length: 50 }, (_, i) => ({
          id: `EX-${i}`,
          name: `svc-${i}`,
          namespaces: ['payments'],
          expiresAt: '2026-12-18T00:00:00Z',
          requestor: 'alice',
        })),
        expiringNextWeekTotal: 75,
      }),
      exceptionId: null,
    };
    delete digest.payload.exception;
    const m = composeMessage(digest, context);
    expect(m.title).toBe('Waiver weekly digest 2026-W50: exceptions are increasing');
    expect(m.facts.slice(0, 4).map((f) => f.value)).toEqual([
      '120 (trend +3.50 a week; OFF TARGET)',
      '16.5 days (target < 14; OFF TARGET)',
      '98% (target 100%; OFF TARGET)',
      '12% (target < 10%; OFF TARGET)',
    ]);
    expect(m.facts.at(-1)).toEqual({ label: 'and', value: '25 more' });
    expect(slackPayload(m, {}).blocks.length).toBeLessThanOrEqual(50);
    // The notification's key survives the cut: it is how a reader tells a repeat.
    const keyed = slackPayload(m, {}, 'digest:2026-W50').blocks;
    expect(keyed.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(keyed.at(-1))).toContain('Waiver notification digest:2026-W50');
  });

  it('names the notification on Slack and Teams, so a repeat after a crash can be told', () => {
    const n = notification('requested');
    const slack = JSON.stringify(slackPayload(composeMessage(n, context), {}, n.key));
    const teams = JSON.stringify(teamsPayload(composeMessage(n, context), n.key));
    expect(slack).toContain('Waiver notification requested:EX-1');
    expect(teams).toContain('Waiver notification requested:EX-1');
  });
});
