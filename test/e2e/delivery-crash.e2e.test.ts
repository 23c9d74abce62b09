import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChannelSettings } from '../../src/domain/notification-channels.js';
import { createDispatcher } from '../../src/notify/dispatcher.js';
import { openChannels } from '../../src/notify/open-channels.js';
import type { ExceptionStore } from '../../src/service/ports/store.js';
import { openStore } from '../../src/wire/deps.js';
import { BIN } from '../support/cli.js';
import { ManualClock, useTempDir } from '../support/temp.js';

const tempDir = useTempDir();
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const SECRET = `whsec_${Buffer.from('a signing key of thirty-two bytes').toString('base64')}`;
const PENDING = 300;
/** The receiver answers this many requests, then holds every later one open: they are in flight. */
const ANSWERED = 40;
const CLAIM_SECONDS = 45;

/** A webhook receiver that counts each notification's deliveries by its webhook-id. */
async function countingReceiver() {
  const received = new Map<string, number>();
  const held: { id: string; res: ServerResponse }[] = [];
  let answering = ANSWERED;
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      const id = String(req.headers['webhook-id']);
      received.set(id, (received.get(id) ?? 0) + 1);
      if (answering === Infinity || answering-- > 0) res.writeHead(204).end();
      else held.push({ id, res });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`,
    received,
    held,
    /** Answer everything from now on. */
    open: () => {
      answering = Infinity;
      for (const h of held) h.res.destroy();
    },
  };
}

/** `count` notifications waiting in the outbox for the webhook channel. */
const enqueue = (store: ExceptionStore, count: number) =>
  store.transaction((tx) =>
    tx.enqueueNotifications(
      Array.from({ length: count }, (_, i) => ({
        key: `approved:EX-${i + 1}`,
        channel: 'hook',
        event: 'approved' as const,
        exceptionId: i + 1,
        recipients: ['alice'],
        payload: { at: '2026-12-01T09:00:00Z', actor: 'bob', details: {} },
        createdAt: '2026-12-01T09:00:00Z',
        dueAt: '2026-12-01T09:00:00Z',
      })),
    ),
  );

describe('delivery when the process is killed (kill -9) mid-delivery', () => {
  it('re-sends only the messages that were in flight, once their claim lapses after seconds', async () => {
    const cwd = tempDir();
    const database = join(cwd, 'w.db');
    const hook = await countingReceiver();
    // 300 notifications waiting in the outbox.
    const store = await openStore(database);
    stops.push(() => store.close());
    await enqueue(store, PENDING);
    writeFileSync(
      join(cwd, 'waiver.yaml'),
      [
        'notifications:',
        `  claimSeconds: ${CLAIM_SECONDS}`,
        '  channels:',
        `    hook: { type: webhook, url: "${hook.url}", secret: { env: HOOK_SECRET }, timeoutSeconds: 30 }`,
      ].join('\n'),
    );

    // A real server, run with --no-sweep: it delivers all the same.
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--no-sweep'], {
      cwd,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: cwd,
        WAIVER_CONFIG: join(cwd, 'waiver.yaml'),
        WAIVER_DB: database,
        WAIVER_ADMIN_TOKEN: 'a-long-enough-admin-token-0123456789abcdef',
        WAIVER_LOG_LEVEL: 'warn',
        HOOK_SECRET: SECRET,
      },
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    stops.push(() => void child.kill('SIGKILL'));

    // Delivery stalls with some messages in flight; every one the receiver answered is recorded as sent.
    const sent = async () => (await store.listNotifications({ states: ['sent'] })).length;
    await vi.waitFor(
      async () => {
        expect(hook.held.length).toBeGreaterThan(0);
        expect(await sent()).toBe(ANSWERED);
      },
      { timeout: 20_000, interval: 20 },
    );
    child.kill('SIGKILL');
    await exited;
    const inFlight = hook.held.map((h) => h.id);
    expect(inFlight.length).toBeLessThanOrEqual(16);
    hook.open();

    // Another process takes over: the rest at once, the dead process's claims once they lapse.
    const clock = new ManualClock(Date.now());
    const channel: ChannelSettings = {
      name: 'hook',
      type: 'webhook',
      url: hook.url,
      secret: SECRET,
      timeoutMs: 5000,
    };
    const backoff = { baseMs: 30_000, capMs: 60_000, maxAttempts: 5 };
    const next = createDispatcher(
      store,
      openChannels(
        { channels: [channel], people: {}, publicUrl: undefined, backoff, intervalMs: 1000 },
        { log: () => undefined, clock },
      ),
      clock,
      { holder: 'next', backoff, claimMs: CLAIM_SECONDS * 1000 },
    );
    stops.push(() => next.close());
    // (A claimed message still on its way when the process died is claimed too, and was never received.)
    const rest = (await next.drain()).sent;
    const claimed = Object.values(await store.countPendingNotifications()).reduce((a, b) => a + b, 0);
    expect(claimed).toBeGreaterThanOrEqual(inFlight.length);
    expect(claimed).toBeLessThanOrEqual(16);
    clock.advance(CLAIM_SECONDS * 1000);
    expect((await next.drain()).sent).toBe(claimed);
    expect(rest + claimed).toBe(PENDING - ANSWERED);

    // Every notification arrived; the only ones that arrived twice are those that were in flight.
    expect(hook.received.size).toBe(PENDING);
    const twice = [...hook.received].filter(([, n]) => n > 1).map(([id]) => id);
    expect(twice.sort()).toEqual([...inFlight].sort());
    expect([...hook.received.values()].every((n) => n <= 2)).toBe(true);
    expect(await sent()).toBe(PENDING);
  });
});

describe('serve and its switches', () => {
  /** `waiver serve` with these flags over a webhook channel; resolves when its log says what runs. */
  async function served(cwd: string, flags: string[], url: string) {
    writeFileSync(
      join(cwd, 'waiver.yaml'),
      [
        'notifications:',
        '  channels:',
        `    hook: { type: webhook, url: "${url}", secret: { env: HOOK_SECRET } }`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...flags], {
      cwd,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: cwd,
        WAIVER_CONFIG: join(cwd, 'waiver.yaml'),
        WAIVER_DB: join(cwd, 'w.db'),
        WAIVER_USER: 'ops',
        WAIVER_ADMIN_TOKEN: 'a-long-enough-admin-token-0123456789abcdef',
        HOOK_SECRET: SECRET,
      },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    stops.push(async () => {
      child.kill('SIGTERM');
      await exited;
    });
    await vi.waitFor(() => expect(out).toMatch(/"msg":"periodic work/), { timeout: 20_000 });
    return () => out;
  }

  it('says in its help which loops each switch stops', async () => {
    const { cliProcess } = await import('../support/cli.js');
    const help = (await cliProcess(tempDir(), ['serve', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      "--no-sweep do not run the periodic work here: each cluster's and repository's controller and the folders' sweep (reminders, expiry, removal, retried writes); notifications are still delivered",
    );
    expect(help).toContain('--no-controller the same loops as --no-sweep; notifications are still delivered');
    expect(help).toContain('--no-notify do not deliver notifications from this process');
  });

  it('delivers with --no-controller and --no-sweep, and only --no-notify stops delivery', async () => {
    const hook = await countingReceiver();
    hook.open();
    const cwd = tempDir();
    const store = await openStore(join(cwd, 'w.db'));
    stops.push(() => store.close());
    await enqueue(store, 5);

    const quiet = await served(cwd, ['--no-sweep', '--no-controller', '--no-notify'], hook.url);
    expect(quiet()).toContain('notifications are not delivered by this process (--no-notify)');
    await stops.pop()?.(); // the quiet server stops: it never delivered
    expect(await store.countPendingNotifications()).toEqual({ hook: 5 });
    expect(hook.received.size).toBe(0);

    const out = await served(cwd, ['--no-sweep', '--no-controller'], hook.url);
    expect(out()).toContain(
      'periodic work (controllers, sweep) is off here; notifications are delivered every 10 s',
    );
    await vi.waitFor(async () => expect(await store.countPendingNotifications()).toEqual({}), {
      timeout: 30_000,
      interval: 50,
    });
    expect(hook.received.size).toBe(5);
  });
});
