import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config/load.js';
import type { ChannelSettings } from '../src/domain/notification-channels.js';
import { createDispatcher } from '../src/notify/dispatcher.js';
import { openChannels } from '../src/notify/open-channels.js';
import { openStore } from '../src/wire/deps.js';
import { cli } from './support/cli.js';
import { FakeForge } from './support/git/fake-forge.js';
import { useTestCluster } from './support/kube/cluster.js';
import { bareRepository } from './support/git/repositories.js';
import { httpReceiver, smtpReceiver, type HttpReceiver, type Received } from './support/receivers.js';
import { legacyRequest } from './support/requests.js';
import { startTestServer, type TestServer } from './support/server.js';
import { ManualClock, useTempDir } from './support/temp.js';

/**
 * Receivers that fail and echo what they got (many proxies and gateways do): nothing they say of a secret
 * reaches an API answer, the server's log, the CLI's output or the audit trail.
 */
const tempDir = useTempDir();
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

// Secrets that look like nothing in particular: only masking by the configured value catches them.
const SLACK_PATH = '/services/T0ABC1234/B0DEF5678/Xk3pQ9rT2vW8yZ1aB4cD6eF0';
const SLACK_SECRET = 'Xk3pQ9rT2vW8yZ1aB4cD6eF0';
const TEAMS_SIG = 'teamssig-q9w8e7r6';
const WEBHOOK_TOKEN = 'hooktok-51x7y9';
const SMTP_PASSWORD = 'mailpass-8866zz';
const FORGE_TOKEN = 'forgetok-73qq51';
const SECRETS = [SLACK_SECRET, 'B0DEF5678', TEAMS_SIG, WEBHOOK_TOKEN, SMTP_PASSWORD, FORGE_TOKEN];

/** Everything the request carried: its path and query, its headers and its body. */
const echo = (r: Received): string =>
  `rejected ${r.url} with ${JSON.stringify(r.headers)} and ${r.raw.slice(0, 100)}`;

async function echoing(): Promise<HttpReceiver> {
  const r = await httpReceiver();
  r.answer((request) => ({ status: 401, body: echo(request) }));
  stops.push(() => r.stop());
  return r;
}

const base = (url: string) => url.replace(/\/hooks\/.*$/, '');

/** Slack, Teams, a webhook with a token in its query, and SMTP with a password: all failing, all echoing. */
async function channels(): Promise<{ settings: ChannelSettings[]; smtpPort: number }> {
  const [slack, teams, hook] = [await echoing(), await echoing(), await echoing()];
  const smtp = await smtpReceiver(undefined, undefined, true);
  stops.push(() => smtp.stop());
  const settings: ChannelSettings[] = [
    { name: 'slack', type: 'slack', url: `${base(slack.url)}${SLACK_PATH}`, timeoutMs: 5000 },
    {
      name: 'teams',
      type: 'teams',
      url: `${base(teams.url)}/workflows/0a1b2c3d4e5f60718293a4b5c6d7e8f9/triggers/manual/paths/invoke?api-version=2016-06-01&sig=${TEAMS_SIG}`,
      timeoutMs: 5000,
    },
    {
      name: 'hook',
      type: 'webhook',
      url: `${base(hook.url)}/in?token=${WEBHOOK_TOKEN}`,
      secret: `whsec_${Buffer.from('a signing key of thirty-two bytes').toString('base64')}`,
      timeoutMs: 5000,
    },
    {
      name: 'mail',
      type: 'email',
      smtp: {
        host: '127.0.0.1',
        port: smtp.port,
        tls: false,
        starttls: 'never',
        user: 'waiver',
        password: SMTP_PASSWORD,
        ca: undefined,
        timeoutMs: 5000,
      },
      from: 'waiver@example.com',
      replyTo: undefined,
    },
  ];
  return { settings, smtpPort: smtp.port };
}

const notificationsOf = (
  settings: ChannelSettings[],
): Pick<Config, 'notifications' | 'notificationRouting'> => ({
  notifications: {
    channels: settings,
    people: { 'bob@example.com': { email: 'bob@example.com' } },
    publicUrl: undefined,
    backoff: { baseMs: 60_000, capMs: 60_000, maxAttempts: 5 },
    intervalMs: 50,
  },
  notificationRouting: {
    routes: [{ channels: settings.map((c) => c.name) }],
    groups: { approvers: ['bob@example.com'], security: ['sec@example.com'], policyOwners: {} },
  },
});

const expectNoSecret = (where: string, text: string) => {
  for (const secret of SECRETS) expect(text, `${where} holds ${secret}`).not.toContain(secret);
};

/** Until every notification has been tried once (the server's own loop delivers them). */
async function triedOnce(server: TestServer, count: number): Promise<void> {
  const admin = server.as(server.adminToken);
  for (let i = 0; i < 400; i++) {
    const { body } = await admin('GET', '/api/v1/notifications');
    const items = (body as { items: { attempts: number }[] }).items;
    if (items.length >= count && items.every((n) => n.attempts >= 1)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the notifications were not tried');
}

describe('what a failing receiver echoes', () => {
  it('is masked in the outbox, the API and the server log; only admins see more than status and host', async () => {
    const { settings } = await channels();
    const dir = tempDir();
    const server = await startTestServer({
      database: join(dir, 'w.db'),
      dir,
      notifications: notificationsOf(settings),
    });
    stops.push(() => server.close());
    const admin = server.as(server.adminToken);
    const requester = server.as(await server.token('alice@example.com', ['requester']));
    expect((await requester('POST', '/api/v1/exceptions', legacyRequest())).status).toBe(201);
    await triedOnce(server, 4);

    const asAdmin = (await admin('GET', '/api/v1/notifications')).body as {
      items: { channel: string; lastError: string; tries: { error: string }[] }[];
    };
    const byChannel = Object.fromEntries(asAdmin.items.map((n) => [n.channel, n.lastError]));
    // The receivers did echo the secrets; what is kept says status, host and the rest masked.
    expect(byChannel['slack']).toMatch(/^HTTP 401 from 127\.0\.0\.1:\d+: rejected \*\*\* with/);
    expect(byChannel['teams']).toMatch(/^HTTP 401 from 127\.0\.0\.1:\d+: rejected \*\*\* with/);
    expect(byChannel['hook']).toMatch(/^HTTP 401 from 127\.0\.0\.1:\d+: rejected \/in\?token=\*\*\*/);
    expect(byChannel['mail']).toMatch(
      /^127\.0\.0\.1:\d+: 535 .*Authentication failed for waiver with \*\*\*/,
    );
    expectNoSecret('the admin view', JSON.stringify(asAdmin));

    const asRequester = (await requester('GET', '/api/v1/notifications')).body as typeof asAdmin;
    expect(Object.fromEntries(asRequester.items.map((n) => [n.channel, n.lastError]))).toEqual({
      slack: expect.stringMatching(/^HTTP 401 from 127\.0\.0\.1:\d+$/) as unknown,
      teams: expect.stringMatching(/^HTTP 401 from 127\.0\.0\.1:\d+$/) as unknown,
      hook: expect.stringMatching(/^HTTP 401 from 127\.0\.0\.1:\d+$/) as unknown,
      mail: expect.stringMatching(/^127\.0\.0\.1:\d+: 535$/) as unknown,
    });
    expect(asRequester.items.flatMap((n) => n.tries.map((t) => t.error))).not.toContain(
      expect.stringContaining('rejected'),
    );

    expectNoSecret('the server log', server.logs.join('\n'));
    for (const path of [
      '/api/v1/exceptions',
      '/api/v1/audit',
      '/api/v1/audit?format=jsonl',
      '/api/v1/review',
    ])
      expectNoSecret(path, (await admin('GET', path)).text);
    // The stored rows themselves hold no secret either.
    const store = await openStore(join(dir, 'w.db'));
    stops.push(() => store.close());
    const stored = await store.listNotifications();
    expectNoSecret('the outbox', JSON.stringify(stored));
    for (const n of stored)
      expectNoSecret('the tries', JSON.stringify(await store.listDeliveryAttempts(n.id)));
  });

  it('is masked on the CLI: its stderr after a change, and `waiver notifications`', async () => {
    const slack = await echoing();
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'waiver.yaml'),
      [
        'notifications:',
        '  channels:',
        '    team: { type: slack, url: { env: SLACK_URL } }',
        '  groups: { approvers: [bob] }',
      ].join('\n'),
    );
    const env = { WAIVER_CONFIG: join(cwd, 'waiver.yaml'), SLACK_URL: `${base(slack.url)}${SLACK_PATH}` };
    const requested = await cli(
      cwd,
      [
        'request',
        '-n',
        'payments',
        '--name',
        'payments-api-*',
        '--category',
        'legacy-migration',
        '--ticket',
        'MIG-7',
        '--reason',
        legacyRequest().reason,
        '--expires',
        '20d',
      ],
      { env },
    );
    expect(requested.code, requested.stderr).toBe(0);
    expect(slack.all.length).toBeGreaterThan(0);
    expect(requested.stderr).toMatch(/HTTP 401 from 127\.0\.0\.1:\d+: rejected \*\*\*/);
    expectNoSecret('stderr', requested.stderr);
    const listed = await cli(cwd, ['notifications', '-o', 'json'], { env });
    expect(listed.stdout).toContain('HTTP 401');
    expectNoSecret('notifications -o json', listed.stdout + listed.stderr);
  });
});

describe("what a forge echoes of Waiver's token", () => {
  it('is masked in the sync_failed event, the exception, the API and the log; older events are masked when shown', async () => {
    const dir = tempDir();
    const remote = bareRepository(dir);
    const forge = await new FakeForge(FORGE_TOKEN, 'github').start();
    stops.push(() => forge.stop());
    // A 401 whose body repeats the credentials it was given, as a misconfigured gateway would.
    forge.failures.push({ status: 401, message: `Bad credentials: ${FORGE_TOKEN} (Bearer ${FORGE_TOKEN})` });
    const server = await startTestServer({
      database: join(dir, 'w.db'),
      dir,
      moreTargets: {
        gitops: {
          kind: 'git',
          repository: remote.url,
          branch: 'main',
          path: 'clusters/prod/policy-exceptions',
          workdir: join(dir, 'clone'),
          sshKeyFile: undefined,
          token: undefined,
          author: { name: 'Waiver', email: 'waiver@example.com' },
          timeoutMs: 20_000,
          pullRequests: {
            forge: 'github',
            api: forge.url,
            project: 'platform/gitops',
            token: FORGE_TOKEN,
            timeoutMs: 5000,
          },
        },
      },
    });
    stops.push(() => server.close());
    const admin = server.as(server.adminToken);
    const alice = server.as(await server.token('alice', ['requester']));
    const bob = server.as(await server.token('bob', ['approver']));
    const carol = server.as(await server.token('carol', ['applier']));
    const created = await alice('POST', '/api/v1/exceptions', { ...legacyRequest(), target: 'gitops' });
    expect(created.status, created.text).toBe(201);
    const id = (created.body as { exception: { id: string } }).exception.id;
    expect((await bob('POST', `/api/v1/exceptions/${id}/approve`, {})).status).toBe(200);
    const applied = await carol('POST', `/api/v1/exceptions/${id}/apply`, {});
    expect(forge.calls.length).toBeGreaterThan(0);
    expect(applied.text).toContain('github API answered 401: Bad credentials: ***');
    expectNoSecret('the apply answer', applied.text);

    // An older event, written before masking existed, holds the token as it was echoed.
    const store = await openStore(join(dir, 'w.db'));
    stops.push(() => store.close());
    await store.transaction((tx) =>
      tx.appendAudit({
        at: '2026-12-01T09:00:00Z',
        actor: 'waiver-controller',
        action: 'sync_failed',
        exceptionId: Number(id.replace('EX-', '')),
        data: { operation: 'write', target: 'gitops', error: `github API answered 401: ${FORGE_TOKEN}` },
      }),
    );
    const events = (await store.listAudit()).filter((e) => e.action === 'sync_failed');
    expect(events).toHaveLength(2);
    expect(JSON.stringify(events[0])).not.toContain(FORGE_TOKEN); // stored masked
    expect(JSON.stringify(events[1])).toContain(FORGE_TOKEN); // the older one, never rewritten

    for (const path of [
      `/api/v1/exceptions/${id}`,
      `/api/v1/exceptions/${id}/history`,
      '/api/v1/exceptions',
      '/api/v1/audit',
      '/api/v1/audit?format=jsonl',
      '/api/v1/audit?format=csv',
      '/api/v1/review?all=true',
    ]) {
      const answer = await admin('GET', path);
      expect(answer.status, path).toBe(200);
      expectNoSecret(path, answer.text);
    }
    const verified = await admin('GET', '/api/v1/audit/verify');
    expect(verified.status, verified.text).toBe(200);
    expectNoSecret('the server log', server.logs.join('\n'));
  });
});

describe("what a cluster's API server echoes of Waiver's credentials", () => {
  const testCluster = useTestCluster();

  it('is masked in the sync error, the events, the API and the log', async () => {
    const { api, dir, kubeconfig } = await testCluster();
    // A proxy before the API server that refuses the write and repeats the request's headers.
    api.faults.push({
      match: (r) => r.method === 'PATCH',
      answer: 401,
      times: 100,
      message: (req) => `Unauthorized: ${JSON.stringify(req.headers)}`,
    });
    const server = await startTestServer({ database: join(dir, 'w.db'), dir, kubeconfig });
    stops.push(() => server.close());
    const admin = server.as(server.adminToken);
    const alice = server.as(await server.token('alice', ['requester']));
    const bob = server.as(await server.token('bob', ['approver']));
    const carol = server.as(await server.token('carol', ['applier']));
    const created = await alice('POST', '/api/v1/exceptions', legacyRequest());
    const id = (created.body as { exception: { id: string } }).exception.id;
    expect((await bob('POST', `/api/v1/exceptions/${id}/approve`, {})).status).toBe(200);
    const applied = await carol('POST', `/api/v1/exceptions/${id}/apply`, {});
    expect(applied.text).toContain('"authorization\\":\\"Bearer ***');
    const token = 'test-token';
    expect(applied.text).not.toContain(token);
    for (const path of [
      `/api/v1/exceptions/${id}/history`,
      '/api/v1/audit?format=jsonl',
      '/api/v1/exceptions',
    ])
      expect((await admin('GET', path)).text, path).not.toContain(token);
    expect(server.logs.join('\n')).not.toContain(token);
  });
});

describe('a notification enqueued before masking existed', () => {
  it('reaches its channel with the echoed secret masked', async () => {
    const hook = await httpReceiver({ status: 204 });
    stops.push(() => hook.stop());
    const store = await openStore(join(tempDir(), 'w.db'));
    stops.push(() => store.close());
    const leaked = `github API answered 401: Bad credentials ghp_0123456789abcdefghijABCDEFGHIJ012345`;
    await store.transaction((tx) =>
      tx.enqueueNotifications([
        {
          key: 'sync_failed:EX-1:write',
          channel: 'hook',
          event: 'sync_failed',
          exceptionId: 1,
          recipients: ['sec@example.com'],
          payload: { at: '2026-12-01T09:00:00Z', actor: 'waiver-controller', details: { error: leaked } },
          createdAt: '2026-12-01T09:00:00Z',
          dueAt: '2026-12-01T09:00:00Z',
        },
      ]),
    );
    const clock = new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
    const backoff = { baseMs: 1000, capMs: 1000, maxAttempts: 2 };
    const channel: ChannelSettings = {
      name: 'hook',
      type: 'webhook',
      url: hook.url,
      secret: `whsec_${Buffer.from('a signing key of thirty-two bytes').toString('base64')}`,
      timeoutMs: 5000,
    };
    const dispatcher = createDispatcher(
      store,
      openChannels(
        { channels: [channel], people: {}, publicUrl: undefined, backoff, intervalMs: 1000 },
        { log: () => undefined, clock },
      ),
      clock,
      { holder: 'one', backoff },
    );
    expect((await dispatcher.drain()).sent).toBe(1);
    expect(hook.accepted[0]?.raw).toContain('github API answered 401: Bad credentials ***');
    expect(hook.accepted[0]?.raw).not.toContain('ghp_');
  });
});
