import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { startServer } from '../src/wire/server.js';
import { call, startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';
import { legacyRequest } from './support/requests.js';
import { promtool as findPromtool } from './support/prerequisites.js';

const tempDir = useTempDir();
/** Prometheus's checker, from Debian's prometheus package (.ci/run installs it). */
const promtool = findPromtool();
const running: TestServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

async function start(
  options: { failedAuthPerMinute?: number; corsOrigins?: string[] } = {},
): Promise<TestServer> {
  const dir = tempDir();
  const server = await startTestServer({ database: join(dir, 'w.db'), dir, ...options });
  running.push(server);
  return server;
}

const request = legacyRequest('MIG-1');

/** Everything the store holds, as the API shows it: a refused call must leave it equal. */
async function state(server: TestServer): Promise<string> {
  const admin = server.as(server.adminToken);
  const [list, audit, tokens] = await Promise.all([
    admin('GET', '/api/v1/exceptions?limit=500'),
    admin('GET', '/api/v1/audit'),
    admin('GET', '/api/v1/tokens'),
  ]);
  return JSON.stringify([list.body, audit.body, tokens.body]);
}

describe('HTTP API security', () => {
  it('answers nothing but health, the icon and the API description without authentication', async () => {
    const server = await start();
    for (const path of [
      '/healthz',
      '/readyz',
      '/favicon.ico',
      '/api/docs',
      '/api/docs/docs.js',
      '/api/openapi.json',
    ])
      expect((await call(server.url, undefined, 'GET', path)).status, path).toBe(200);
    const guarded = [
      ['GET', '/api/v1/exceptions'],
      ['POST', '/api/v1/exceptions'],
      ['GET', '/api/v1/exceptions/EX-1'],
      ['POST', '/api/v1/exceptions/EX-1/approve'],
      ['GET', '/api/v1/audit'],
      ['GET', '/api/v1/metrics/summary'],
      ['GET', '/metrics'],
      ['GET', '/api/v1/tokens'],
      ['GET', '/no/such/route'],
    ];
    for (const [method, path] of guarded) {
      const reply = await call(server.url, undefined, method ?? 'GET', path ?? '/');
      expect(reply.status, `${method} ${path}`).toBe(401);
      expect(reply.body).toMatchObject({ code: 'unauthenticated', field: 'authorization' });
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="waiver"');
    }
    expect((await call(server.url, 'wvr_not-a-token', 'GET', '/api/v1/exceptions')).status).toBe(401);
    expect(
      (
        await call(server.url, undefined, 'GET', '/api/v1/exceptions', undefined, {
          headers: { authorization: 'Basic YTpi' },
        })
      ).status,
    ).toBe(401);
  });

  it('sets security headers and a request id, and sends no CORS headers by default', async () => {
    const server = await start();
    const reply = await call(server.url, server.adminToken, 'GET', '/api/v1/exceptions', undefined, {
      headers: { origin: 'https://evil.example', 'x-request-id': 'trace-42' },
    });
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('x-frame-options')).toBe('DENY');
    expect(reply.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    expect(reply.headers.get('x-request-id')).toBe('trace-42');
    const odd = await call(server.url, server.adminToken, 'GET', '/healthz', undefined, {
      headers: { 'x-request-id': 'a b\tc' },
    });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers CORS only for a configured origin', async () => {
    const server = await start({ corsOrigins: ['https://portal.example.com'] });
    const preflight = await call(server.url, undefined, 'OPTIONS', '/api/v1/exceptions', undefined, {
      headers: { origin: 'https://portal.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://portal.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await call(server.url, server.adminToken, 'GET', '/api/v1/exceptions', undefined, {
      headers: { origin: 'https://evil.example' },
    });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rate-limits failed authentication per address, without locking out the others', async () => {
    const server = await start({ failedAuthPerMinute: 3 });
    for (let i = 0; i < 3; i++)
      expect((await call(server.url, `wvr_guess-${i}`, 'GET', '/api/v1/exceptions')).status).toBe(401);
    const limited = await call(server.url, 'wvr_guess-3', 'GET', '/api/v1/exceptions');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'rate_limited' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(server.url, undefined, 'GET', '/healthz')).status).toBe(200);
    server.clock.advance(61_000);
    expect((await call(server.url, server.adminToken, 'GET', '/api/v1/exceptions')).status).toBe(200);
  });

  it('never logs a token, and logs each request as JSON with its request id', async () => {
    const server = await start();
    const secret = await server.token('alice', ['requester']);
    await call(server.url, secret, 'POST', '/api/v1/exceptions', request, {
      headers: { 'x-request-id': 'req-7' },
    });
    await call(server.url, 'wvr_wrong-secret-value', 'GET', '/api/v1/exceptions');
    // A token put in a URL by mistake: the request is logged, the credential is not.
    await call(server.url, undefined, 'GET', `/api/v1/exceptions?state=active&access_token=${secret}`);
    await call(server.url, undefined, 'GET', `/metrics?token=${secret}`);
    const text = server.logs.join('');
    expect(text).toContain('/api/v1/exceptions?state=active&access_token=[redacted]');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(server.adminToken);
    expect(text).not.toContain('wvr_wrong-secret-value');
    const lines = server.logs.map((l) => JSON.parse(l));
    expect(lines.some((l) => l.requestId === 'req-7')).toBe(true);
  });

  it('disconnects clients that send nothing, trickle their headers, or idle', async () => {
    const timeouts = { headersSeconds: 1, requestSeconds: 2, keepAliveSeconds: 1 };
    const dir = tempDir();
    const server = await startTestServer({ database: join(dir, 'w.db'), dir, timeouts });
    running.push(server);
    const { port } = new URL(server.url);
    /**
     * Opens a raw connection, lets `act` use it, and resolves once the server has closed it: the client
     * never does. How soon after its deadline is not asserted (a loaded machine is late, not wrong); a
     * server that kept it open for good would leave this test to its timeout.
     */
    const heldFor = (act: (socket: Socket) => void) =>
      new Promise<'closed by the server'>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => act(socket));
        socket.on('error', () => undefined).on('close', () => resolve('closed by the server'));
        socket.resume();
      });
    const silent = heldFor(() => undefined);
    const trickling = heldFor((socket) => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      const timer = setInterval(() => socket.write('X-A: b\r\n'), 200);
      socket.on('close', () => clearInterval(timer));
    });
    const idle = heldFor((socket) => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
    // Each is cut, not left open for good.
    expect(await Promise.all([silent, trickling, idle])).toEqual(Array(3).fill('closed by the server'));
    expect((await call(server.url, undefined, 'GET', '/healthz')).status).toBe(200);
  });

  it('shows a generated admin token once on a terminal, and not again', async () => {
    const dir = tempDir();
    const config = await loadConfig(
      { database: join(dir, 'w.db'), targetDir: dir, as: 'ops' },
      { WAIVER_PORT: '0' },
    );
    const start = async () => {
      const printed: string[] = [];
      const server = await startServer(config, {
        periodic: false,
        deliver: false,
        terminal: true,
        print: (l) => void printed.push(l),
        logger: false,
      });
      await server.close();
      return printed;
    };
    const first = await start();
    expect(first[0]).toMatch(/^admin token \(shown once, store it now\): wvr_[\w-]+$/);
    expect(first[1]).toMatch(/^waiver serving on http:/);
    expect(existsSync(config.server.adminTokenFile)).toBe(false);
    expect((await start()).join('\n')).not.toContain('admin token');
  });

  it("shows the token on a terminal with an earlier start's .waiver/ in the working folder, and leaves it be", async () => {
    // What the Quick start and `npm start` leave in a checkout, here in this test's own working folder.
    mkdirSync('.waiver', { recursive: true });
    writeFileSync('.waiver/admin-token', 'wvr_from-an-earlier-start\n', { mode: 0o600 });
    const dir = tempDir();
    const config = await loadConfig(
      { database: join(dir, 'w.db'), targetDir: dir, as: 'ops' },
      { WAIVER_PORT: '0' },
    );
    expect(config.server.adminTokenFile).toBe(join(process.cwd(), '.waiver', 'admin-token'));
    const printed: string[] = [];
    const server = await startServer(config, {
      periodic: false,
      terminal: true,
      print: (l) => void printed.push(l),
      logger: false,
    });
    await server.close();
    expect(printed[0]).toMatch(/^admin token \(shown once, store it now\): wvr_[\w-]+$/);
    expect(readFileSync('.waiver/admin-token', 'utf8')).toBe('wvr_from-an-earlier-start\n');
  });

  it('accepts a token until it expires or is revoked', async () => {
    const server = await start();
    const admin = server.as(server.adminToken);
    const created = await admin('POST', '/api/v1/tokens', {
      owner: 'ci-bot',
      roles: ['auditor'],
      expires: '1h',
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^wvr_[\w-]{43}$/);
    const bot = server.as(created.body.secret);
    expect((await bot('GET', '/api/v1/exceptions')).status).toBe(200);
    server.clock.advance(3_600_000);
    expect((await bot('GET', '/api/v1/exceptions')).status).toBe(401);

    const other = await server.token('alice', ['requester']);
    expect((await call(server.url, other, 'GET', '/api/v1/exceptions')).status).toBe(200);
    const list = await admin('GET', '/api/v1/tokens');
    expect(JSON.stringify(list.body)).not.toContain(other);
    const alice = list.body.items.find((t: { owner: string }) => t.owner === 'alice');
    expect((await admin('DELETE', `/api/v1/tokens/${alice.id}`)).status).toBe(204);
    expect((await call(server.url, other, 'GET', '/api/v1/exceptions')).status).toBe(401);
    expect((await admin('DELETE', `/api/v1/tokens/${alice.id}`)).body).toMatchObject({ code: 'not_found' });
    const events = (await admin('GET', '/api/v1/audit')).body.items.map((e: { action: string }) => e.action);
    expect(events.filter((a: string) => a === 'token_revoked')).toHaveLength(1);
    expect((await server.as(other)('GET', '/api/v1/tokens')).status).toBe(401);
  });

  it('serves OpenAPI built from the request schemas, and Prometheus metrics', async () => {
    const server = await start();
    const admin = server.as(server.adminToken);
    const doc = (await admin('GET', '/api/openapi.json')).body;
    expect(doc.openapi).toBe('3.0.3');
    const post = doc.paths['/api/v1/exceptions'].post;
    const schema = post.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(
      expect.arrayContaining(['namespaces', 'names', 'category', 'ticket', 'reason']),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.category.enum).toContain('vendor-image');
    expect(Object.keys(post.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '409', '413', '422', '429']),
    );
    const docs = await call(server.url, undefined, 'GET', '/api/docs');
    expect(docs.text).toContain('<script src="/api/docs/docs.js">');
    expect(docs.text).not.toMatch(/https?:\/\//);

    await admin('POST', '/api/v1/exceptions', request);
    const metrics = await admin('GET', '/metrics');
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.text).toMatch(/^waiver_exceptions\{target="folder",state="pending"\} 1$/m);
    expect(metrics.text).toMatch(/^waiver_active_exceptions\{target="folder"\} 0$/m);
    expect(metrics.text).toMatch(/^waiver_red_flag 0$/m);
    // Nothing has ended yet: no data, spelled as the exposition formats spell it (prom-client writes `Nan`).
    expect(metrics.text).toMatch(/^waiver_expired_removed_ratio NaN$/m);
    expect(metrics.text).toMatch(
      /^waiver_http_requests_total\{method="POST",route="\/api\/v1\/exceptions",status="201"\} 1$/m,
    );
    expect(metrics.text).toContain('waiver_http_request_duration_seconds_bucket');
    expect(metrics.text).toContain('waiver_process_resident_memory_bytes');
    // Prometheus's own checker accepts the exposition: base units, counters alone end in _total.
    if (promtool) {
      const checked = spawnSync(promtool, ['check', 'metrics'], { input: metrics.text, encoding: 'utf8' });
      expect(checked.stdout + checked.stderr).toBe('');
      expect(checked.status).toBe(0);
    } else expect(process.env['CI'], 'CI installs promtool (Debian prometheus)').toBeUndefined();
  });
});

describe('HTTP API bad input', () => {
  const long = 'x'.repeat(10_001);
  const cases: {
    name: string;
    method: string;
    path: string;
    body?: unknown;
    raw?: string;
    type?: string;
    status: number;
    code: string;
    field?: string;
    message?: string;
  }[] = [
    {
      name: 'broken JSON',
      method: 'POST',
      path: '/api/v1/exceptions',
      raw: '{"namespaces": [',
      status: 400,
      code: 'usage',
      field: 'body',
      message: 'body: not valid JSON (Unexpected end of JSON input)',
    },
    {
      name: 'JSON that is not an object',
      method: 'POST',
      path: '/api/v1/exceptions',
      raw: '"text"',
      status: 400,
      code: 'usage',
      field: 'input',
    },
    {
      name: 'prototype pollution',
      method: 'POST',
      path: '/api/v1/exceptions',
      raw: '{"__proto__": {"admin": true}}',
      status: 400,
      code: 'usage',
      field: 'body',
      message: 'body: not valid JSON (a __proto__ or constructor.prototype key is not allowed)',
    },
    {
      name: 'wrong types',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, namespaces: 'payments' },
      status: 400,
      code: 'usage',
      field: 'namespaces',
    },
    {
      name: 'a number for text',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, reason: 42 },
      status: 400,
      code: 'usage',
      field: 'reason',
    },
    {
      name: 'unknown field',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, approver: 'alice' },
      status: 400,
      code: 'usage',
    },
    {
      name: 'huge reason',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, reason: long },
      status: 400,
      code: 'usage',
      field: 'reason',
    },
    {
      name: 'unknown category',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, category: 'convenience' },
      status: 400,
      code: 'usage',
      field: 'category',
    },
    {
      name: 'SQL in a namespace',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, namespaces: ["payments'; drop table exceptions;--"] },
      status: 422,
      code: 'guardrail',
      field: 'namespaces',
    },
    {
      name: 'YAML in a pattern',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, names: ['a: b\n- c'] },
      status: 422,
      code: 'guardrail',
    },
    {
      name: 'template marker in the reason',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, reason: 'Legacy migration {{ request.object.metadata.name }} ok' },
      status: 422,
      code: 'guardrail',
      field: 'reason',
    },
    {
      name: 'template marker in the ticket',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, ticket: 'MIG-{{1}}' },
      status: 422,
      code: 'guardrail',
      field: 'ticket',
    },
    {
      name: 'template marker in the policy',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, policy: '{{ x }}' },
      status: 422,
      code: 'guardrail',
      field: 'policy',
    },
    {
      name: 'template marker in a rule',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, rules: ['{{ x }}'] },
      status: 422,
      code: 'guardrail',
    },
    {
      name: 'template marker in a name pattern',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, names: ['{{x}}'] },
      status: 422,
      code: 'guardrail',
    },
    {
      name: 'template marker in the exception name',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, name: '{{x}}' },
      status: 422,
      code: 'guardrail',
      field: 'name',
    },
    {
      name: 'over 30 days',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, expires: '31d' },
      status: 422,
      code: 'guardrail',
      field: 'expiresAt',
    },
    {
      name: 'a bad duration',
      method: 'POST',
      path: '/api/v1/exceptions',
      body: { ...request, expires: 'soon' },
      status: 400,
      code: 'usage',
      field: 'expires',
    },
    {
      name: 'body over the limit',
      method: 'POST',
      path: '/api/v1/lint',
      raw: JSON.stringify({ sources: [{ file: 'a', text: 'x'.repeat(1_100_000) }] }),
      status: 413,
      code: 'too_large',
    },
    {
      name: 'wrong content type',
      method: 'POST',
      path: '/api/v1/exceptions',
      raw: 'namespaces=payments',
      type: 'application/x-www-form-urlencoded',
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'a plain-text body',
      method: 'POST',
      path: '/api/v1/exceptions/EX-1/approve',
      raw: 'looks fine to me',
      type: 'text/plain',
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'unknown field on sweep',
      method: 'POST',
      path: '/api/v1/sweep',
      body: { now: '2030-01-01T00:00:00Z' },
      status: 400,
      code: 'usage',
      field: 'now',
      message: 'now: unknown field (known: target)',
    },
    {
      name: 'unknown field on reconcile',
      method: 'POST',
      path: '/api/v1/reconcile',
      body: { force: true },
      status: 400,
      code: 'usage',
      field: 'force',
    },
    {
      name: 'unknown exception',
      method: 'POST',
      path: '/api/v1/exceptions/EX-999/approve',
      status: 404,
      code: 'not_found',
    },
    {
      name: 'SQL in an id',
      method: 'GET',
      path: `/api/v1/exceptions/${encodeURIComponent("1' or '1'='1")}`,
      status: 404,
      code: 'not_found',
    },
    {
      name: 'unknown comment field',
      method: 'POST',
      path: '/api/v1/exceptions/EX-1/approve',
      body: { note: 'x' },
      status: 400,
      code: 'usage',
    },
    {
      name: 'illegal transition',
      method: 'POST',
      path: '/api/v1/exceptions/EX-1/apply',
      status: 409,
      code: 'illegal_transition',
    },
    {
      name: 'reject without a comment',
      method: 'POST',
      path: '/api/v1/exceptions/EX-1/reject',
      status: 400,
      code: 'usage',
      field: 'comment',
    },
    {
      name: 'limit out of range',
      method: 'GET',
      path: '/api/v1/exceptions?limit=100000',
      status: 400,
      code: 'usage',
      field: 'limit',
      message: 'limit: must be a whole number from 1 to 500',
    },
    {
      name: 'limit not a number',
      method: 'GET',
      path: '/api/v1/exceptions?limit=abc',
      status: 400,
      code: 'usage',
      field: 'limit',
      message: 'limit: must be a whole number from 1 to 500',
    },
    {
      name: 'a namespace Kubernetes would refuse',
      method: 'GET',
      path: '/api/v1/exceptions?namespace=Bad_NS',
      status: 400,
      code: 'usage',
      field: 'namespace',
      message:
        '"Bad_NS" is not a namespace name (a DNS-1123 label: lower-case letters, digits and "-", at most 63 characters)',
    },
    {
      name: 'broken JSON, said where it breaks',
      method: 'POST',
      path: '/api/v1/exceptions',
      raw: '{"namespaces": ["payments"] 1}',
      type: 'application/json',
      status: 400,
      code: 'usage',
      field: 'body',
      message: "body: not valid JSON (Expected ',' or '}' after property value in JSON at position 28)",
    },
    {
      name: 'broken JSON, not echoed',
      method: 'POST',
      path: '/api/v1/exceptions',
      raw: '{"namespaces": [}',
      type: 'application/json',
      status: 400,
      code: 'usage',
      field: 'body',
      message: "body: not valid JSON (Unexpected token '}')",
    },
    {
      name: 'an unknown sort order',
      method: 'GET',
      path: '/api/v1/exceptions?sort=oldest',
      status: 400,
      code: 'usage',
      field: 'sort',
    },
    {
      name: 'an unknown state',
      method: 'GET',
      path: '/api/v1/exceptions?state=activ',
      status: 400,
      code: 'usage',
      field: 'state',
    },
    {
      name: 'a bad expiring-within',
      method: 'GET',
      path: '/api/v1/exceptions?expiringWithin=7x',
      status: 400,
      code: 'usage',
      field: 'expiringWithin',
    },
    {
      name: 'unknown state',
      method: 'GET',
      path: '/api/v1/exceptions?state=gone',
      status: 400,
      code: 'usage',
      field: 'state',
    },
    {
      name: 'unknown query parameter',
      method: 'GET',
      path: '/api/v1/exceptions?sort=name',
      status: 400,
      code: 'usage',
    },
    {
      name: 'forged continue',
      method: 'GET',
      path: '/api/v1/exceptions?continue=1%20or%201',
      status: 400,
      code: 'usage',
      field: 'continue',
    },
    {
      name: 'reconcile without a cluster',
      method: 'POST',
      path: '/api/v1/reconcile',
      status: 400,
      code: 'usage',
      field: 'target',
    },
    {
      name: 'unmanaged without a cluster',
      method: 'GET',
      path: '/api/v1/unmanaged',
      status: 400,
      code: 'usage',
      field: 'target',
    },
    {
      name: 'import with a non-boolean dry run',
      method: 'POST',
      path: '/api/v1/import',
      body: { dryRun: 'yes' },
      status: 400,
      code: 'usage',
      field: 'dryRun',
    },
    {
      name: 'unknown audit action',
      method: 'GET',
      path: '/api/v1/audit?action=deleted',
      status: 400,
      code: 'usage',
      field: 'action',
    },
    {
      name: 'bad audit format',
      method: 'GET',
      path: '/api/v1/audit?format=xml',
      status: 400,
      code: 'usage',
      field: 'format',
    },
    {
      name: 'bad metrics instant',
      method: 'GET',
      path: '/api/v1/metrics/summary?at=yesterday',
      status: 400,
      code: 'usage',
      field: 'at',
    },
    {
      name: 'token with an unknown role',
      method: 'POST',
      path: '/api/v1/tokens',
      body: { owner: 'x', roles: ['root'] },
      status: 400,
      code: 'usage',
      field: 'roles',
      message: "roles: 'root' is not one of requester, approver, applier, auditor, admin",
    },
    {
      name: 'token with a bad owner',
      method: 'POST',
      path: '/api/v1/tokens',
      body: { owner: 'a b', roles: ['auditor'] },
      status: 400,
      code: 'usage',
      field: 'owner',
    },
    {
      name: 'a misspelt field and a role that is none',
      method: 'POST',
      path: '/api/v1/tokens',
      body: { owner: 'prometheus', role: ['auditor'] },
      status: 400,
      code: 'usage',
      field: 'roles',
      message: 'roles is required; role: unknown field (did you mean roles?)',
    },
    {
      name: 'a role that is none',
      method: 'POST',
      path: '/api/v1/tokens',
      body: { owner: 'prometheus', roles: ['auditor', 'root'] },
      status: 400,
      code: 'usage',
      field: 'roles',
      message: "roles: 'root' is not one of requester, approver, applier, auditor, admin",
    },
  ];

  // One server for every case: each asserts that it changed nothing, so they cannot disturb each other.
  let server: TestServer;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'waiver-test-'));
    server = await startTestServer({ database: join(dir, 'w.db'), dir });
    await server.as(await server.token('alice', ['requester']))('POST', '/api/v1/exceptions', request);
    return async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    };
  });

  it.each(cases)('$name → $status $code, nothing changed', async (c) => {
    const admin = server.as(server.adminToken);
    const before = await state(server);
    const reply = await call(server.url, server.adminToken, c.method, c.path, c.body, {
      ...(c.raw === undefined ? {} : { raw: c.raw }),
      ...(c.type === undefined ? {} : { headers: { 'content-type': c.type } }),
    });
    expect(reply.status).toBe(c.status);
    expect(reply.body.code).toBe(c.code);
    expect(typeof reply.body.message).toBe('string');
    expect(reply.body.message.length).toBeGreaterThan(0);
    expect(reply.body.message).not.toMatch(/\n\s+at /); // no stack trace
    if (c.field) expect(reply.body.field).toBe(c.field);
    if (c.message) expect(reply.body.message).toBe(c.message);
    // Validation is said in words: never zod's own ("Invalid input", "Unrecognized key").
    expect(reply.body.message).not.toMatch(/Invalid (input|option)|Unrecognized|Too (small|big)|\[invalid_/);
    expect(await state(server)).toBe(before);
    expect((await admin('GET', '/readyz')).status).toBe(200);
  });
});
