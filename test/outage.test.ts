import { createConnection, createServer, type Server, type Socket } from 'node:net';
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
});
