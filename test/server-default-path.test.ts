import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const running: TestServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

async function start(failedAuthPerMinute: number): Promise<TestServer> {
  const dir = tempDir();
  const server = await startTestServer({ database: join(dir, 'w.db'), dir, failedAuthPerMinute });
  running.push(server);
  return server;
}

describe('a browser on the default path', () => {
  it('gets an icon without a token, and asking for it many times locks no one out', async () => {
    const server = await start(3);
    for (let i = 0; i < 10; i++) {
      const icon = await call(server.url, undefined, 'GET', '/favicon.ico');
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(icon.text).toContain('<svg');
    }
    expect((await call(server.url, undefined, 'GET', '/favicon.svg')).status).toBe(200);
    expect((await call(server.url, server.adminToken, 'GET', '/api/v1/exceptions')).status).toBe(200);
    // The guesses that follow are still the first three: the icons did not count.
    for (let i = 0; i < 3; i++)
      expect((await call(server.url, `wvr_guess-${i}`, 'GET', '/api/v1/me')).status).toBe(401);
  });

  it('counts only requests that presented a credential towards the failed-authentication limit', async () => {
    const server = await start(3);
    for (let i = 0; i < 25; i++)
      expect((await call(server.url, undefined, 'GET', '/api/v1/exceptions')).status).toBe(401);
    for (let i = 0; i < 3; i++)
      expect((await call(server.url, `wvr_guess-${i}`, 'GET', '/api/v1/me')).status).toBe(401);
    const limited = await call(server.url, 'wvr_guess-3', 'GET', '/api/v1/me');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'rate_limited' });
    // Without a credential the answer stays 401: there is nothing to guess, so nothing to slow down.
    expect((await call(server.url, undefined, 'GET', '/api/v1/me')).status).toBe(401);
  });

  it('never locks out a valid credential, even while its address is limited', async () => {
    const server = await start(2);
    const alice = await server.token('alice', ['requester']);
    for (let i = 0; i < 2; i++)
      expect((await call(server.url, `wvr_guess-${i}`, 'GET', '/api/v1/me')).status).toBe(401);
    expect((await call(server.url, 'wvr_guess-2', 'GET', '/api/v1/me')).status).toBe(429);
    const me = await call(server.url, alice, 'GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'alice' });
    expect((await call(server.url, server.adminToken, 'GET', '/api/v1/tokens')).status).toBe(200);
    // The address stays limited for wrong credentials until the minute has passed.
    expect((await call(server.url, 'wvr_guess-3', 'GET', '/api/v1/me')).status).toBe(429);
    server.clock.advance(61_000);
    expect((await call(server.url, 'wvr_guess-4', 'GET', '/api/v1/me')).status).toBe(401);
  });

  it('serves the OpenAPI document without a token, and its docs page reads it without one', async () => {
    const server = await start(3);
    const doc = await call(server.url, undefined, 'GET', '/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body).toMatchObject({ openapi: '3.0.3', info: { title: 'Waiver API' } });
    const page = await call(server.url, undefined, 'GET', '/api/docs/docs.js');
    expect(page.text).toContain("fetch('/api/openapi.json')");
    expect(page.text).not.toContain('authorization');
    // The rest of the API still needs one.
    expect((await call(server.url, undefined, 'GET', '/api/v1/settings')).status).toBe(401);
  });
});
