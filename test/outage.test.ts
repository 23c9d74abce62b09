import { existsSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { legacyRequest } from './support/requests.js';
import { backends, postgresSkipNote } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A TCP hop between Waiver and PostgreSQL that the test can cut and mend, as a network would. */
async function cuttableLink(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = createServer((client) => {
        const upstream = createConnection(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined).on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      }).listen(port, '127.0.0.1', () => resolve((server?.address() as { port: number }).port));
    });
  const port = await listen(0);
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server?.close(() => resolve());
    });
  cleanups.push(cut);
  return { port, cut, mend: () => listen(port) };
}

const postgres = backends.find((b) => b.name === 'PostgreSQL');

describe('a database outage', () => {
  if (!postgres?.enabled) return it.skip(postgresSkipNote);
  const db = postgres.databases();

  it('answers 503 with Retry-After while PostgreSQL is away, changes nothing, and serves again when it is back', async () => {
    const direct = new URL(await db.fresh());
    const link = await cuttableLink(direct);
    const viaLink = new URL(direct);
    viaLink.host = `127.0.0.1:${link.port}`;
    const dir = tempDir();
    const server: TestServer = await startTestServer({ database: viaLink.toString(), dir });
    cleanups.push(() => server.close());
    const admin = server.as(server.adminToken);
    expect((await admin('POST', '/api/v1/exceptions', legacyRequest('MIG-1'))).status).toBe(201);

    await link.cut();
    for (const [method, path, body] of [
      ['GET', '/api/v1/exceptions', undefined],
      ['POST', '/api/v1/exceptions', legacyRequest('MIG-2')],
    ] as const) {
      const reply = await admin(method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('5');
      expect(reply.body).toMatchObject({ code: 'unavailable', field: 'database' });
      expect(reply.body.message).toMatch(/^the database does not answer: /);
    }
    expect((await admin('GET', '/readyz')).status).toBe(503);

    await link.mend();
    const listed = await admin('GET', '/api/v1/exceptions');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((e: { ticket: string }) => e.ticket)).toEqual(['MIG-1']);
  });

  it('answers 503 when PostgreSQL freezes mid-conversation, within the statement timeout, and serves again when it resumes', async (ctx) => {
    const url = await db.fresh();
    const server: TestServer = await startTestServer({
      database: url,
      dir: tempDir(),
      statementTimeoutSeconds: 2,
    });
    cleanups.push(() => server.close());
    const admin = server.as(server.adminToken);
    expect((await admin('POST', '/api/v1/exceptions', legacyRequest('MIG-1'))).status).toBe(201);

    const observer = new pg.Client({ connectionString: url });
    observer.on('error', () => undefined);
    await observer.connect();
    cleanups.push(() => observer.end().catch(() => undefined));
    const backends = async (): Promise<number[]> =>
      (
        await observer.query<{ pid: number }>(
          'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
        )
      ).rows.map((r) => r.pid);
    // A read and a write at once, each on a connection the pool already holds: at least two of them.
    for (let i = 0; i < 20 && (await backends()).length < 2; i++)
      await Promise.all(Array.from({ length: 4 }, () => admin('GET', '/api/v1/exceptions')));
    const frozen = await backends();
    expect(frozen.length).toBeGreaterThanOrEqual(2);
    // Only a PostgreSQL on this machine, whose processes this test may signal, can be frozen.
    if (!frozen.every((pid) => existsSync(`/proc/${pid}`))) return ctx.skip();

    const thaw = () => {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
    };
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    // Should the requests hang after all (no timeout), the backends still resume, and the test fails
    // on what they then answer rather than leaving stopped processes on a shared server.
    const safety = setTimeout(thaw, 60_000);
    try {
      const [read, write] = await Promise.all([
        admin('GET', '/api/v1/exceptions/EX-1'),
        admin('POST', '/api/v1/exceptions', legacyRequest('MIG-2')),
      ]);
      for (const reply of [read, write]) {
        expect(reply.status, reply.text).toBe(503);
        expect(reply.headers.get('retry-after')).toBe('5');
        expect(reply.body).toMatchObject({ code: 'unavailable', field: 'database' });
      }
    } finally {
      clearTimeout(safety);
      thaw();
    }

    // The connections that timed out were ended, not lent again: the server answers on fresh ones.
    expect((await admin('GET', '/api/v1/exceptions/EX-1')).status).toBe(200);
    const again = await admin('POST', '/api/v1/exceptions', legacyRequest('MIG-3'));
    expect(again.status, again.text).toBe(201);
    const tickets = (await admin('GET', '/api/v1/exceptions')).body.items.map(
      (e: { ticket: string }) => e.ticket,
    );
    expect(tickets).toContain('MIG-3');
  }, 120_000);
});
