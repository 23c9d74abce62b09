import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_COMPRESSION_THRESHOLD } from '../src/server/compression.js';
import { startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';
import { legacyRequest } from './support/requests.js';

const tempDir = useTempDir();
let server: TestServer;

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as sent, not decoded (fetch would decode them). */
  body: Buffer;
}

/** One call with node:http, which leaves the body as the server coded it. */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const decode = (reply: Raw): Buffer => {
  const coding = reply.headers['content-encoding'];
  if (coding === 'br') return brotliDecompressSync(reply.body);
  if (coding === 'gzip') return gunzipSync(reply.body);
  expect(coding).toBeUndefined();
  return reply.body;
};

const varies = (reply: Raw) =>
  String(reply.headers['vary'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .includes('accept-encoding');

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  const dir = tempDir();
  server = await startTestServer({ database: join(dir, 'w.db'), dir });
  const admin = server.as(server.adminToken);
  for (let i = 1; i <= 20; i++) {
    const made = await admin('POST', '/api/v1/exceptions', legacyRequest(`MIG-${i}`));
    expect(made.status, made.text).toBe(201);
  }
});
afterAll(async () => {
  await server.close();
});

describe('the web UI on the wire', () => {
  it('sends each asset in the coding the browser prefers, from copies made at build time', async () => {
    const index = await raw('/', { 'accept-encoding': 'gzip, deflate, br' });
    expect(index.status).toBe(200);
    // The page itself too: it carries its first script.
    expect(index.headers['content-encoding']).toBe('br');
    expect(varies(index)).toBe(true);
    const page = decode(index).toString();
    expect(page).toBe((await raw('/')).body.toString());
    // The sign-in settings travel in the page: one call fewer before the first page's data.
    expect(page).toMatch(/<meta name="waiver-ui-config" content="\{&quot;version&quot;/);
    const assets = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.some((a) => a?.endsWith('.js'))).toBe(true);
    for (const asset of assets as string[]) {
      const plain = await raw(asset);
      expect(plain.status, asset).toBe(200);
      expect(plain.headers['content-encoding'], asset).toBeUndefined();
      expect(varies(plain), asset).toBe(true);
      expect(Number(plain.headers['content-length']), asset).toBe(plain.body.length);
      const cases: [string, string | undefined][] = [
        ['gzip, deflate, br', 'br'],
        ['br', 'br'],
        ['gzip, deflate', 'gzip'],
        ['br;q=0, gzip', 'gzip'],
        ['identity', undefined],
        ['deflate', undefined],
      ];
      for (const [accept, coding] of cases) {
        const reply = await raw(asset, { 'accept-encoding': accept });
        expect(reply.headers['content-encoding'], `${asset} ${accept}`).toBe(coding);
        expect(varies(reply), `${asset} ${accept}`).toBe(true);
        expect(Number(reply.headers['content-length']), `${asset} ${accept}`).toBe(reply.body.length);
        expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(decode(reply).equals(plain.body), `${asset} ${accept} decodes to the asset`).toBe(true);
        if (coding)
          expect(reply.body.length, `${asset} ${accept} is smaller`).toBeLessThan(plain.body.length);
      }
      const head = await raw(asset, { 'accept-encoding': 'br' }, 'HEAD');
      const get = await raw(asset, { 'accept-encoding': 'br' });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.headers['content-encoding']).toBe('br');
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
    }
  });

  it('does not serve the coded copies as assets of their own, and answers an unknown asset with 404', async () => {
    const index = await raw('/');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.body.toString())?.[1] ?? '';
    expect((await raw(`${script}.br`)).status).toBe(404);
    expect((await raw(`${script}.gz`)).status).toBe(404);
    const missing = await raw('/assets/nothing.js', { 'accept-encoding': 'br' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(decode(missing).toString())).toMatchObject({ code: 'not_found' });
  });
});

describe('API answers on the wire', () => {
  it(`compresses JSON of ${JSON_COMPRESSION_THRESHOLD} bytes or more for a client that accepts it`, async () => {
    const path = '/api/v1/exceptions?limit=20';
    const plain = await raw(path, auth(server.adminToken));
    expect(plain.status).toBe(200);
    expect(plain.body.length).toBeGreaterThan(JSON_COMPRESSION_THRESHOLD);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(varies(plain)).toBe(true);
    expect(JSON.parse(plain.body.toString()).items).toHaveLength(20);
    for (const [accept, coding] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['identity', undefined],
    ] as const) {
      const reply = await raw(path, { ...auth(server.adminToken), 'accept-encoding': accept });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-encoding'], accept).toBe(coding);
      expect(varies(reply), accept).toBe(true);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      if (reply.headers['content-length'] !== undefined)
        expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
      if (coding) expect(reply.body.length).toBeLessThan(plain.body.length / 3);
      expect(JSON.parse(decode(reply).toString())).toEqual(JSON.parse(plain.body.toString()));
    }
    // Objects serialised by Fastify (not pre-rendered text) too.
    const spec = await raw('/api/openapi.json', { 'accept-encoding': 'gzip' });
    expect(spec.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(decode(spec).toString())).toMatchObject({ openapi: expect.any(String) });
  });

  it('keeps the same headers for HEAD as for GET', async () => {
    const headers = { ...auth(server.adminToken), 'accept-encoding': 'br' };
    const get = await raw('/api/v1/exceptions?limit=20', headers);
    const head = await raw('/api/v1/exceptions?limit=20', headers, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-encoding']).toBe('br');
    expect(varies(head)).toBe(true);
    expect(head.headers['content-length']).toBe(get.headers['content-length'] ?? String(get.body.length));
  });

  it('sends small answers, errors and the Prometheus text as they are', async () => {
    const accept = { 'accept-encoding': 'gzip, br' };
    const health = await raw('/healthz', accept);
    expect(health.headers['content-encoding']).toBeUndefined();
    expect(varies(health)).toBe(false);
    expect(JSON.parse(health.body.toString())).toEqual({ status: 'ok' });

    const one = await raw('/api/v1/exceptions?limit=1', { ...auth(server.adminToken), ...accept });
    expect(one.body.length).toBeLessThan(JSON_COMPRESSION_THRESHOLD);
    expect(one.headers['content-encoding']).toBeUndefined();

    const refused = await raw('/api/v1/exceptions', accept);
    expect(refused.status).toBe(401);
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(refused.body.toString())).toMatchObject({ code: 'unauthenticated' });

    const missing = await raw('/api/v1/exceptions/EX-999', { ...auth(server.adminToken), ...accept });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString())).toMatchObject({ code: 'not_found' });

    const metrics = await raw('/metrics', { ...auth(server.adminToken), ...accept });
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-encoding']).toBeUndefined();
    expect(metrics.body.toString()).toMatch(/^# HELP /m);
  });

  it('streams exports as they are, whatever the client accepts', async () => {
    for (const format of ['csv', 'jsonl']) {
      const reply = await raw(`/api/v1/audit?format=${format}`, {
        ...auth(server.adminToken),
        'accept-encoding': 'gzip, br',
      });
      expect(reply.status, format).toBe(200);
      expect(reply.headers['content-encoding'], format).toBeUndefined();
      expect(reply.body.length, format).toBeGreaterThan(JSON_COMPRESSION_THRESHOLD);
      expect(reply.body.toString().trim().split('\n').length, format).toBeGreaterThanOrEqual(20);
    }
  });

  it('answers fetch (the remote CLI and the browser), which decodes, with the same JSON', async () => {
    const response = await fetch(`${server.url}/api/v1/exceptions?limit=20`, {
      headers: auth(server.adminToken),
    });
    expect(response.headers.get('content-encoding')).not.toBeNull();
    expect(((await response.json()) as { items: unknown[] }).items).toHaveLength(20);
  });

  it('keeps the Vary a CORS answer already carries', async () => {
    const dir = tempDir();
    const cors = await startTestServer({
      database: join(dir, 'w.db'),
      dir,
      corsOrigins: ['https://portal.example'],
    });
    try {
      const response = await fetch(`${cors.url}/api/openapi.json`, {
        headers: { origin: 'https://portal.example', 'accept-encoding': 'gzip' },
      });
      expect(response.headers.get('vary')).toBe('Origin, Accept-Encoding');
      expect(response.headers.get('content-encoding')).toBe('gzip');
    } finally {
      await cors.close();
    }
  });
});
