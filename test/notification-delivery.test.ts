import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelSettings } from '../src/domain/notification-channels.js';
import type { NotificationRouting } from '../src/domain/notification-routes.js';
import { defaultSettings } from '../src/domain/settings.js';
import { createDispatcher, startDispatchLoop, type Dispatcher } from '../src/notify/dispatcher.js';
import { openChannels } from '../src/notify/open-channels.js';
import { localActor, type Actor } from '../src/service/actor.js';
import type { ServiceDeps } from '../src/service/deps.js';
import type { ExceptionStore } from '../src/service/ports/store.js';
import { createWaiver } from '../src/service/waiver.js';
import { openStore } from '../src/wire/deps.js';
import { backends } from './support/databases.js';
import { ManualScheduler } from './support/manual-scheduler.js';
import { httpReceiver, smtpReceiver, type HttpReceiver } from './support/receivers.js';
import { MemoryStore } from './support/memory-store.js';
import { RecordingTarget } from './support/recording-target.js';
import { startTestServer } from './support/server.js';
import { legacyRequest } from './support/requests.js';
import { ManualClock, useTempDir } from './support/temp.js';
import { oneTarget } from './support/targets.js';
import { promtool as findPromtool } from './support/prerequisites.js';

const tempDir = useTempDir();
const promtool = findPromtool();
const SECRET = `whsec_${Buffer.from('a signing key of thirty-two bytes').toString('base64')}`;
const BACKOFF = { baseMs: 30_000, capMs: 3_600_000, maxAttempts: 3 };
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const routing = (channels: string[]): NotificationRouting => ({
  routes: [{ channels, events: ['requested', 'approved'] }],
  groups: { approvers: ['bob@example.com'], security: [], policyOwners: {} },
});

/** The service and a dispatcher on one database, with a clock the test moves; what the dispatcher logs. */
async function world(
  channel: ChannelSettings,
  database = join(tempDir(), 'w.db'),
  startMs = Date.parse('2026-12-01T09:00:00Z'),
) {
  const clock = new ManualClock(startMs);
  const store = await openStore(database);
  const deps: ServiceDeps = {
    store,
    targets: oneTarget(new RecordingTarget()),
    notifications: routing([channel.name]),
    clock,
    settings: defaultSettings,
    instance: 'test',
  };
  const logs: string[] = [];
  const dispatcher = (holder: string, on: ExceptionStore = store, to = channel): Dispatcher =>
    createDispatcher(
      on,
      openChannels(
        { channels: [to], people: {}, publicUrl: undefined, backoff: BACKOFF, intervalMs: 1000 },
        { log: (line) => logs.push(line), clock },
      ),
      clock,
      { holder, backoff: BACKOFF, log: (line) => logs.push(line) },
    );
  stops.push(() => store.close());
  const as = (actor: Actor | string) =>
    createWaiver(deps, typeof actor === 'string' ? localActor(actor) : actor);
  return { clock, store, deps, logs, dispatcher, as, database };
}

async function receiver(...args: Parameters<typeof httpReceiver>): Promise<HttpReceiver> {
  const r = await httpReceiver(...args);
  stops.push(() => r.stop());
  return r;
}

/** A loopback port nothing listens on (it did a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A receiver that answers is given minutes: only one that never answers meets the deadline. */
const PATIENT_MS = 120_000;

const webhook = (url: string, timeoutMs = PATIENT_MS): ChannelSettings => ({
  name: 'hook',
  type: 'webhook',
  url,
  secret: SECRET,
  timeoutMs,
});

describe('delivery through the outbox', () => {
  it('keeps the change when the receiver fails, retries with backoff, and delivers once when it answers', async () => {
    const hook = await receiver({ status: 204 });
    const answers = [
      { status: 503, body: 'down for maintenance' },
      { status: 200, hang: true },
    ];
    hook.answer(() => answers.shift() ?? { status: 204 });
    const { clock, dispatcher, as, logs, store } = await world(webhook(hook.url));
    const d = dispatcher('one');
    // The same channel with a short deadline, for the try the receiver never answers.
    const impatient = dispatcher('one', undefined, webhook(hook.url, 150));
    await as('alice').request(legacyRequest());
    expect((await as('alice').list()).map((e) => e.state)).toEqual(['pending']);

    expect(await d.round()).toEqual({ sent: 0, failed: 1, dead: 0 });
    const [first] = await store.listNotifications();
    expect(first).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: '2026-12-01T09:00:30Z' });
    expect(first?.lastError).toMatch(/^HTTP 503 from 127\.0\.0\.1:\d+: down for maintenance$/);
    expect(await d.round()).toEqual({ sent: 0, failed: 0, dead: 0 }); // not due yet

    clock.advance(30_000);
    expect(await impatient.round()).toEqual({ sent: 0, failed: 1, dead: 0 }); // no answer: timed out
    expect((await store.listNotifications())[0]).toMatchObject({
      attempts: 2,
      nextAttemptAt: '2026-12-01T09:01:30Z',
      lastError: expect.stringMatching(/no answer within 150 ms$/) as unknown,
    });
    clock.advance(60_000);
    expect(await d.round()).toEqual({ sent: 1, failed: 0, dead: 0 });
    clock.advance(3_600_000);
    expect(await d.drain()).toEqual({ sent: 0, failed: 0, dead: 0 });
    expect(hook.all).toHaveLength(3);
    expect(hook.accepted).toHaveLength(1);
    const { items } = await as('carol').notifications();
    expect(items[0]?.tries.map((t) => t.status)).toEqual(['failed', 'failed', 'sent']);
    // The webhook's URL path is its secret: no log line or stored error holds it.
    expect(logs.join('\n')).not.toContain('secretpath');
    expect(JSON.stringify(items)).not.toContain('secretpath');
  });

  it('keeps a notification waiting while nothing listens at the receiver, and delivers it once it is back', async () => {
    const hook = await receiver({ status: 204 });
    const port = await closedPort();
    const nobody = webhook(hook.url.replace(/:\d+\//, `:${port}/`));
    const { clock, dispatcher, as, store } = await world(nobody);
    await as('alice').request(legacyRequest());
    expect(await dispatcher('one').round()).toEqual({ sent: 0, failed: 1, dead: 0 });
    expect((await store.listNotifications())[0]).toMatchObject({
      state: 'pending',
      lastError: `127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    });
    // The receiver is back where the channel points.
    clock.advance(30_000);
    expect(await dispatcher('one', store, webhook(hook.url)).round()).toEqual({
      sent: 1,
      failed: 0,
      dead: 0,
    });
    expect(hook.accepted).toHaveLength(1);
  });

  it("waits as long as a 429's Retry-After asks, not the shorter backoff", async () => {
    const slack = await receiver();
    slack.answer(() => ({ status: 429, headers: { 'retry-after': '120' }, body: 'rate_limited' }));
    const { dispatcher, as, store } = await world({
      name: 'slack',
      type: 'slack',
      url: slack.url,
      timeoutMs: PATIENT_MS,
    });
    await as('alice').request(legacyRequest());
    await dispatcher('one').round();
    expect((await store.listNotifications())[0]).toMatchObject({
      nextAttemptAt: '2026-12-01T09:02:00Z',
      lastError: expect.stringMatching(/^HTTP 429 from .*: rate_limited$/) as unknown,
    });
  });

  it('moves a notification to dead after its last try; an applier retries it and it is delivered once', async () => {
    const hook = await receiver();
    hook.answer(() => ({ status: 500 }));
    const { clock, dispatcher, as } = await world(webhook(hook.url));
    const d = dispatcher('one');
    await as('alice').request(legacyRequest());
    for (const wait of [0, 30_000, 60_000]) {
      clock.advance(wait);
      await d.round();
    }
    const dead = (await as('carol').notifications({ state: 'dead' })).items;
    expect(dead).toMatchObject([{ id: 1, event: 'requested', attempts: 3, state: 'dead' }]);
    clock.advance(86_400_000);
    expect(await d.drain()).toEqual({ sent: 0, failed: 0, dead: 0 });

    const requester = { name: 'dave', roles: ['requester'] as const };
    await expect(
      as({ ...requester, roles: [...requester.roles] }).retryNotifications([1]),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    hook.answer(() => ({ status: 204 }));
    expect(await as('carol').retryNotifications([1, 2])).toEqual({
      retried: [1],
      refused: [{ id: 2, reason: expect.stringContaining('not dead') as unknown }],
    });
    expect(await d.round()).toEqual({ sent: 1, failed: 0, dead: 0 });
    expect(hook.accepted).toHaveLength(1);
    expect((await as('carol').notifications({ state: 'sent' })).items[0]?.tries).toHaveLength(4);
  });

  it('retries an e-mail that the SMTP server refused, and sends it once it accepts', async () => {
    const smtp = await smtpReceiver();
    stops.push(() => smtp.stop());
    smtp.refuse(451);
    const mail: ChannelSettings = {
      name: 'mail',
      type: 'email',
      smtp: {
        host: '127.0.0.1',
        port: smtp.port,
        tls: false,
        starttls: 'never',
        user: undefined,
        password: undefined,
        ca: undefined,
        timeoutMs: PATIENT_MS,
      },
      from: 'waiver@example.com',
      replyTo: undefined,
    };
    const { clock, dispatcher, as, store } = await world(mail);
    const d = dispatcher('one');
    await as('alice').request(legacyRequest());
    expect(await d.round()).toEqual({ sent: 0, failed: 1, dead: 0 });
    expect((await store.listNotifications())[0]?.lastError).toMatch(/^127\.0\.0\.1:\d+: 451 /);
    smtp.refuse(undefined);
    clock.advance(30_000);
    expect(await d.round()).toEqual({ sent: 1, failed: 0, dead: 0 });
    expect(smtp.messages.map((m) => m.envelopeTo)).toEqual([['bob@example.com']]);
    await d.close();
  });

  it('lets a webhook receiver drop the one duplicate a crash between delivery and record can cause', async () => {
    const hook = await receiver({ status: 204 });
    // Now, as receivers check a webhook's timestamp against their own clock.
    const { clock, dispatcher, as, store } = await world(webhook(hook.url), undefined, Date.now());
    await as('alice').request(legacyRequest());
    // The first dispatcher delivers, then dies before it records the delivery.
    const record = store.recordDeliveries.bind(store);
    store.recordDeliveries = () => Promise.reject(new Error('process killed'));
    await expect(dispatcher('first').round()).rejects.toThrow('process killed');
    store.recordDeliveries = record;
    // Its claim keeps the row from everyone until it lapses; then another dispatcher delivers it again.
    expect(await dispatcher('second').round()).toEqual({ sent: 0, failed: 0, dead: 0 });
    clock.advance(5 * 60_000);
    expect(await dispatcher('second').round()).toEqual({ sent: 1, failed: 0, dead: 0 });

    // The receiver verifies both with an independent implementation, and keeps one by its webhook-id.
    const verifier = new Webhook(SECRET);
    const seen = new Set<string>();
    const processed = hook.accepted.filter((r) => {
      verifier.verify(r.raw, r.headers as Record<string, string>);
      const id = String(r.headers['webhook-id']);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    expect(hook.accepted).toHaveLength(2);
    expect(hook.accepted[0]?.headers['webhook-id']).toBe(hook.accepted[1]?.headers['webhook-id']);
    expect(processed).toHaveLength(1);
    expect((await store.listNotifications())[0]).toMatchObject({ state: 'sent', attempts: 1 });
  });

  it('delivers after a restart what a process committed and never sent', async () => {
    const hook = await receiver({ status: 204 });
    const first = await world(webhook(hook.url));
    await first.as('alice').request(legacyRequest());
    await first.store.close(); // the process ends between commit and delivery
    const again = await world(webhook(hook.url), first.database);
    expect(await again.dispatcher('restarted').drain()).toEqual({ sent: 1, failed: 0, dead: 0 });
    expect(hook.accepted.map((r) => (r.body as { type: string }).type)).toEqual(['exception.requested']);
  });
});

describe('the delivery loop', () => {
  it('stopped during a drain, ends it after the round in progress and leaves the rest in the outbox', async () => {
    const hook = await receiver({ status: 204 });
    const { clock, store, as } = await world(webhook(hook.url));
    await as('alice').request(legacyRequest('MIG-1'));
    await as('alice').request(legacyRequest('MIG-2'));
    const channels = openChannels(
      { channels: [webhook(hook.url)], people: {}, publicUrl: undefined, backoff: BACKOFF, intervalMs: 1000 },
      { log: () => undefined, clock },
    );
    // One notification a round: the drain would take two.
    const dispatcher = createDispatcher(store, channels, clock, {
      holder: 'one',
      backoff: BACKOFF,
      batchSize: 1,
    });
    const scheduler = new ManualScheduler();
    const loop = startDispatchLoop(dispatcher, { intervalMs: 1000, scheduler, log: () => undefined });
    await loop.stop();
    expect(hook.accepted).toHaveLength(1);
    expect((await store.listNotifications()).map((n) => n.state).sort()).toEqual(['pending', 'sent']);
    expect(scheduler.dueWithin(60_000)).toBe(0);
  });
});

describe('the weekly digest', () => {
  it("goes to security once a week, with the metrics against their targets and next week's expiries", async () => {
    const clock = new ManualClock(Date.parse('2026-11-30T09:00:00Z')); // a Monday
    const store = new MemoryStore();
    const deps: ServiceDeps = {
      store,
      targets: oneTarget(new RecordingTarget()),
      notifications: {
        routes: [{ channels: ['log'], events: ['digest'] }],
        groups: { approvers: [], security: ['sec@example.com'], policyOwners: {} },
      },
      clock,
      settings: defaultSettings,
      instance: 'test',
    };
    const as = (name: string) => createWaiver(deps, localActor(name));
    for (const [ticket, expires] of [
      ['MIG-1', '5d'],
      ['MIG-2', '20d'],
    ] as const) {
      const { exception } = await as('alice').request({ ...legacyRequest(ticket), expires });
      await as('bob').approve(exception.id);
      await as('carol').apply(exception.id);
    }
    await as('carol').sweep();
    await as('carol').sweep();
    clock.advance(3 * 86_400_000); // Thursday, the same week
    await as('carol').sweep();
    const digests = () => store.listNotifications().then((all) => all.filter((n) => n.event === 'digest'));
    expect(await digests()).toHaveLength(1);
    const [digest] = await digests();
    expect(digest).toMatchObject({
      key: 'digest:2026-W49',
      recipients: ['sec@example.com'],
      exceptionId: null,
    });
    expect(digest?.payload.details).toMatchObject({
      week: '2026-W49',
      metrics: { activeExceptions: 2, redFlag: expect.any(Boolean) as unknown },
      expiringNextWeek: [{ id: 'EX-1', name: 'payments-api-mig-1', expiresAt: '2026-12-05T09:00:00Z' }],
      expiringNextWeekTotal: 1,
    });
    clock.advance(4 * 86_400_000); // the Monday after
    await as('carol').sweep();
    expect((await digests()).map((n) => n.key)).toEqual(['digest:2026-W49', 'digest:2026-W50']);
  });
});

describe('a server delivering its outbox', () => {
  it('delivers on its own, retries, and counts what it sent and what failed for Prometheus', async () => {
    const hook = await receiver({ status: 204 });
    const answers = [{ status: 500 }];
    hook.answer(() => answers.shift() ?? { status: 204 });
    const dir = tempDir();
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({
      database: join(dir, 'w.db'),
      dir,
      clock,
      notifications: {
        notifications: {
          channels: [webhook(hook.url), { name: 'log', type: 'log' }],
          people: {},
          publicUrl: undefined,
          backoff: { baseMs: 100, capMs: 1000, maxAttempts: 5 },
          intervalMs: 50,
        },
        notificationRouting: routing(['hook']),
      },
    });
    stops.push(() => server.close());
    const admin = server.as(server.adminToken);
    expect((await admin('POST', '/api/v1/exceptions', legacyRequest())).status).toBe(201);
    // The server's own loop delivers; the test moves its clock past each backoff until the receiver has it.
    // However long that takes: the test's own timeout (minutes) is the only ceiling.
    while (hook.accepted.length === 0) {
      await new Promise((r) => setTimeout(r, 25));
      clock.advance(1000);
    }
    // The delivery is recorded just after the receiver accepted it: wait for the outbox to say so.
    let metrics = (await admin('GET', '/metrics')).text;
    while (/^waiver_notifications_pending\{/m.test(metrics)) {
      await new Promise((r) => setTimeout(r, 25));
      metrics = (await admin('GET', '/metrics')).text;
    }
    expect(hook.all).toHaveLength(2);
    expect(hook.accepted).toHaveLength(1);
    expect(metrics).toMatch(/^waiver_notifications_sent_total\{channel="hook"\} 1$/m);
    expect(metrics).toMatch(/^waiver_notifications_failed_total\{channel="hook",outcome="retry"\} 1$/m);
    expect(metrics).not.toMatch(/^waiver_notifications_pending\{/m);
    if (promtool) {
      const checked = spawnSync(promtool, ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
      expect(checked.stdout + checked.stderr).toBe('');
    }
  });
});

describe.each(backends)('two dispatchers racing on $name', ({ enabled, databases }) => {
  if (!enabled) return it.skip('needs WAIVER_TEST_DATABASE_URL');
  const dbs = databases();

  it('never deliver the same notification twice', async () => {
    const hook = await receiver({ status: 204 });
    const database = await dbs.fresh();
    const { store, dispatcher } = await world(webhook(hook.url), database);
    const entries = Array.from({ length: 300 }, (_, i) => ({
      key: `approved:EX-${i + 1}`,
      channel: 'hook',
      event: 'approved' as const,
      exceptionId: i + 1,
      recipients: ['alice'],
      payload: { at: '2026-12-01T09:00:00Z', actor: 'bob', details: {} },
      createdAt: '2026-12-01T09:00:00Z',
      dueAt: '2026-12-01T09:00:00Z',
    }));
    await store.transaction((tx) => tx.enqueueNotifications(entries));
    const other = await openStore(database);
    stops.push(() => other.close());
    const [a, b] = await Promise.all([dispatcher('a').drain(), dispatcher('b', other).drain()]);
    expect(a.sent + b.sent).toBe(300);
    const ids = hook.accepted.map((r) => String(r.headers['webhook-id']));
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
    expect(await store.countPendingNotifications()).toEqual({});
  });
});
