import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certificate } from './support/certificate.js';
import { cli, json, requestArgs } from './support/cli.js';
import { httpReceiver, smtpReceiver, type HttpReceiver, type SmtpReceiver } from './support/receivers.js';
import { useTempDir } from './support/temp.js';
import { openStore } from '../src/wire/deps.js';

const tempDir = useTempDir();
const SECRET = `whsec_${Buffer.from('a signing key of thirty-two bytes').toString('base64')}`;
const inDays = (days: number): string =>
  new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface World {
  cwd: string;
  slack: HttpReceiver;
  teams: HttpReceiver;
  hook: HttpReceiver;
  smtp: SmtpReceiver;
  env: Record<string, string>;
}

let world: World;

beforeEach(async () => {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'gitops'));
  const tls = certificate(cwd);
  writeFileSync(join(cwd, 'ca.pem'), tls.cert);
  writeFileSync(join(cwd, 'smtp-password'), 'mail-secret\n');
  const [slack, teams, hook, smtp] = await Promise.all([
    httpReceiver({ status: 200, body: 'ok' }),
    httpReceiver({ status: 202 }),
    httpReceiver({ status: 204 }),
    smtpReceiver(tls, { user: 'waiver', pass: 'mail-secret' }),
  ]);
  writeFileSync(
    join(cwd, 'waiver.yaml'),
    `server:
  publicUrl: https://waiver.example.com
notifications:
  channels:
    slack: { type: slack, url: { env: SLACK_URL } }
    teams: { type: teams, url: { env: TEAMS_URL } }
    mail:
      type: email
      host: 127.0.0.1
      port: ${smtp.port}
      starttls: required
      caFile: ca.pem
      user: waiver
      password: { file: smtp-password }
      from: Waiver <waiver@example.com>
      replyTo: security@example.com
    hook: { type: webhook, url: "${hook.url}", secret: { env: WEBHOOK_SECRET } }
  routes:
    - events: [requested, approved, rejected, applied, reminder, expired, removed, revoked, escalated]
      channels: [slack, teams, mail, hook]
  people:
    alice: { email: alice@example.com, slack: U0ALICE }
    bob: { email: bob@example.com, slack: U0BOB }
  groups:
    approvers: [bob]
`,
  );
  world = {
    cwd,
    slack,
    teams,
    hook,
    smtp,
    env: {
      WAIVER_CONFIG: join(cwd, 'waiver.yaml'),
      SLACK_URL: slack.url,
      TEAMS_URL: teams.url,
      WEBHOOK_SECRET: SECRET,
    },
  };
});

afterEach(async () => {
  await Promise.all([world.slack.stop(), world.teams.stop(), world.hook.stop(), world.smtp.stop()]);
});

const run = (args: string[], as: string) => cli(world.cwd, args, { as, env: world.env });

describe('notifications that reach people, exactly once', () => {
  it('tells each person of each step on Slack, Teams, e-mail and a signed webhook, once each', async () => {
    const { slack, teams, hook, smtp } = world;
    const request = requestArgs('INC-4521', {
      category: 'emergency-hotfix',
      reason: 'Payment outage hotfix; the signing service is down during the incident',
      expires: '5d',
    });
    expect((await run(request, 'alice')).code).toBe(0);
    expect((await run(['approve', 'EX-1', '--comment', 'risk accepted'], 'bob')).code).toBe(0);
    const applied = await run(['apply', 'EX-1'], 'carol');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const reminded = await run(['sweep', '--now', inDays(2), '-o', 'json'], 'carol');
    expect(json(reminded)).toMatchObject({ reminded: ['EX-1'] });
    const expired = await run(['sweep', '--now', inDays(6), '-o', 'json'], 'carol');
    expect(json(expired)).toMatchObject({ expired: ['EX-1'] });
    // Replays deliver nothing new: the reminder is keyed by its expiry, the rest happen once.
    for (const days of [2, 6]) expect((await run(['sweep', '--now', inDays(days)], 'carol')).code).toBe(0);

    const events = ['requested', 'approved', 'applied', 'reminder', 'expired'];
    const expectedTo = [['bob'], ['alice'], ['alice', 'bob'], ['alice', 'bob'], ['alice']];

    // The webhook: verified by an independent implementation, one id per event, in order.
    const verifier = new Webhook(SECRET);
    const hooks = hook.accepted.map((r) => verifier.verify(r.raw, r.headers as Record<string, string>));
    expect(hooks.map((b) => (b as { type: string }).type)).toEqual(events.map((e) => `exception.${e}`));
    expect(new Set(hook.accepted.map((r) => r.headers['webhook-id'])).size).toBe(5);
    expect(hook.accepted[3]?.headers['webhook-id']).toMatch(/^reminder:EX-1:\d{4}-/);
    expect(hooks[4]).toMatchObject({
      data: { id: 'EX-1', name: 'payments-api-inc-4521', state: 'removed', endReason: 'expired' },
    });

    // Slack: Block Kit, a header per event, the people mentioned by member id, a button to the exception.
    const slackMessages = slack.accepted.map((r) => r.body as { text: string; blocks: SlackBlock[] });
    expect(slackMessages.map((m) => m.blocks[0]?.text?.text)).toEqual([
      'EX-1 requested: payments-api-inc-4521',
      'EX-1 approved: payments-api-inc-4521',
      'EX-1 applied: payments-api-inc-4521',
      'EX-1 expires soon: payments-api-inc-4521',
      'EX-1 expired and was removed: payments-api-inc-4521',
    ]);
    const mentions = { alice: '<@U0ALICE>', bob: '<@U0BOB>' } as Record<string, string>;
    expect(slackMessages.map((m) => m.blocks[2]?.text?.text)).toEqual(
      expectedTo.map((to) => `For: ${to.map((p) => mentions[p]).join(', ')}`),
    );
    const button = slackMessages[0]?.blocks.find((b) => b.type === 'actions')?.elements?.[0];
    expect(button).toMatchObject({ url: 'https://waiver.example.com/api/v1/exceptions/EX-1' });
    const reminderFields = JSON.stringify(slackMessages[3]?.blocks);
    for (const fact of [
      'Namespaces: payments',
      'Ticket: INC-4521',
      'Policy / rules: require-image-signature',
    ])
      expect(reminderFields).toContain(fact);
    // Three days left, less the moment between the request and the sweep (instants are whole seconds).
    expect(reminderFields).toMatch(/Expires \(UTC\): \d{4}-\d\d-\d\dT[\d:]+Z \(in [23] days\)/);
    expect(reminderFields).toContain('Renew: waiver renew EX-1');
    expect(reminderFields).toContain('Escalate: waiver escalate EX-1');

    // Teams: an Adaptive Card in a Workflows message.
    const cards = teams.accepted.map(
      (r) => (r.body as { attachments: { contentType: string; content: Card }[] }).attachments[0],
    );
    expect(cards.every((a) => a?.contentType === 'application/vnd.microsoft.card.adaptive')).toBe(true);
    expect(cards.map((a) => a?.content.body[0]?.text)).toEqual(
      slackMessages.map((m) => m.blocks[0]?.text?.text),
    );
    expect(cards[0]?.content.actions?.[0]).toMatchObject({ type: 'Action.OpenUrl' });

    // E-mail: over STARTTLS with a login, to each person's address, plain text and HTML.
    expect(smtp.messages.map((m) => m.envelopeTo)).toEqual(
      expectedTo.map((to) => to.map((p) => `${p}@example.com`)),
    );
    const reminder = smtp.messages[3];
    expect(reminder?.subject).toBe('[Waiver] EX-1 expires soon: payments-api-inc-4521');
    expect(reminder?.from?.value[0]).toMatchObject({ name: 'Waiver', address: 'waiver@example.com' });
    expect(reminder?.replyTo?.text).toBe('security@example.com');
    expect(reminder?.text).toContain('It expires at');
    expect(reminder?.text).toContain('Let it expire: nothing to do');
    expect(reminder?.html).toContain('<h2>EX-1 expires soon: payments-api-inc-4521</h2>');
    expect(reminder?.headers.get('x-waiver-notification')).toBe(hook.accepted[3]?.headers['webhook-id']);

    // The outbox: 20 sent, none waiting.
    const outbox = json<{ items: { state: string }[] }>(await run(['notifications', '-o', 'json'], 'carol'));
    expect(outbox.items.map((n) => n.state)).toEqual(Array(20).fill('sent'));
  });
});

interface SlackBlock {
  type: string;
  text?: { type: string; text: string };
  fields?: { type: string; text: string }[];
  elements?: { type: string; url?: string }[];
}

interface Card {
  body: { type: string; text?: string }[];
  actions?: { type: string; url: string }[];
}

describe('a local command', () => {
  it('delivers before it exits what the outbox holds due, even when it changed nothing itself', async () => {
    const { hook } = world;
    expect((await run(requestArgs('INC-7'), 'alice')).code).toBe(0);
    expect(hook.accepted).toHaveLength(1);
    // What another process left in the outbox: one notification due now, one not due for a year.
    const store = await openStore(join(world.cwd, 'w.db'));
    const [requested] = await store.listNotifications({ states: ['sent'] });
    if (!requested) throw new Error('the request was not delivered');
    const {
      id: _id,
      state: _s,
      attempts: _a,
      nextAttemptAt: _n,
      lastError: _l,
      sentAt: _t,
      ...fields
    } = requested;
    await store.transaction((tx) =>
      tx.enqueueNotifications([
        { ...fields, channel: 'hook', key: 'left:due', dueAt: inDays(-1) },
        { ...fields, channel: 'hook', key: 'left:later', dueAt: inDays(365) },
      ]),
    );
    await store.close();
    // A command that only reads.
    expect((await run(['get'], 'carol')).code).toBe(0);
    expect(hook.accepted.map((r) => r.headers['webhook-id'])).toEqual([requested.key, 'left:due']);
    expect((await run(['get'], 'carol')).code).toBe(0);
    expect(hook.accepted).toHaveLength(2);
  });
});
