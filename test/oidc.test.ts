import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OidcConfig } from '../src/config/schema.js';
import { call, startTestServer, type TestServer } from './support/server.js';
import { ManualClock, useTempDir } from './support/temp.js';
import { legacyRequest } from './support/requests.js';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const tempDir = useTempDir();
const ISSUER = 'https://idp.example.test';
const T0 = Date.parse('2026-12-01T09:00:00Z');

let keys: { privateKey: SigningKey; jwk: JWK };
let stranger: SigningKey;
let jwksServer: Server;
let jwksUrl: string;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  keys = {
    privateKey: pair.privateKey,
    jwk: { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' },
  };
  stranger = (await generateKeyPair('RS256')).privateKey;
  // The identity provider's key set, served on loopback as an IdP would.
  jwksServer = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [keys.jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/keys`;
});
afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

const running: TestServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

const oidc = (extra: Partial<OidcConfig> = {}): OidcConfig => ({
  issuer: ISSUER,
  audience: 'waiver',
  jwksUrl,
  clockSkewSeconds: 60,
  usernameClaim: 'email',
  groupsClaim: 'groups',
  roleMap: { developers: ['requester'], security: ['approver'], sre: ['applier'], audit: ['auditor'] },
  ...extra,
});

async function start(config: OidcConfig = oidc()): Promise<TestServer> {
  const dir = tempDir();
  const server = await startTestServer({
    database: join(dir, 'w.db'),
    dir,
    clock: new ManualClock(T0),
    oidc: config,
  });
  running.push(server);
  return server;
}

interface Claims {
  email?: string;
  groups?: string[];
  aud?: string;
  iss?: string;
  iatMs?: number;
  /** null: no `exp` claim at all. */
  expMs?: number | null;
  nbfMs?: number;
  key?: SigningKey;
}

function jwt(claims: Claims): Promise<string> {
  const iat = Math.floor((claims.iatMs ?? T0) / 1000);
  const payload: Record<string, unknown> = {};
  if (claims.email !== undefined) payload['email'] = claims.email;
  if (claims.groups !== undefined) payload['groups'] = claims.groups;
  if (claims.nbfMs !== undefined) payload['nbf'] = Math.floor(claims.nbfMs / 1000);
  const signed = new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? 'waiver')
    .setSubject(claims.email ?? 'nobody')
    .setIssuedAt(iat);
  if (claims.expMs !== null) signed.setExpirationTime(Math.floor((claims.expMs ?? T0 + 3_600_000) / 1000));
  return signed.sign(claims.key ?? keys.privateKey);
}

const request = legacyRequest('MIG-9');

describe('OIDC bearer tokens', () => {
  it('maps groups to roles and takes an exception through the process', async () => {
    const server = await start();
    const alice = server.as(await jwt({ email: 'alice@example.com', groups: ['developers'] }));
    const bob = server.as(await jwt({ email: 'bob@example.com', groups: ['security', 'unrelated'] }));
    const carol = server.as(await jwt({ email: 'carol@example.com', groups: ['sre'] }));
    expect((await alice('POST', '/api/v1/exceptions', request)).body.exception).toMatchObject({
      requestor: 'alice@example.com',
    });
    expect((await alice('POST', '/api/v1/exceptions/EX-1/approve')).status).toBe(403);
    expect((await bob('POST', '/api/v1/exceptions/EX-1/approve')).body.exception).toMatchObject({
      approver: 'bob@example.com',
    });
    const applied = await carol('POST', '/api/v1/exceptions/EX-1/apply');
    expect(applied.body.exception).toMatchObject({ state: 'active', applier: 'carol@example.com' });
  });

  it('refuses an approval by the requestor spelt in another case', async () => {
    const server = await start();
    const requested = server.as(await jwt({ email: 'A.User@Example.com', groups: ['developers'] }));
    const approving = server.as(await jwt({ email: 'a.user@example.com', groups: ['security'] }));
    expect((await requested('POST', '/api/v1/exceptions', request)).status).toBe(201);
    const refused = await approving('POST', '/api/v1/exceptions/EX-1/approve', {});
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      code: 'forbidden',
      message: 'a.user@example.com requested EX-1 and cannot approve it: a second person must review',
    });
    const batch = await approving('POST', '/api/v1/exceptions:batch', { action: 'approve', ids: ['EX-1'] });
    expect(batch.body.items).toEqual([
      expect.objectContaining({
        ref: 'EX-1',
        ok: false,
        error: expect.objectContaining({ code: 'forbidden' }),
      }),
    ]);
    expect((await approving('GET', '/api/v1/exceptions/EX-1')).body.state).toBe('pending');
  });

  it("refuses the original requestor's approval of a renewal someone else filed", async () => {
    const server = await start();
    // Alice requests and, being in security too, reviews others' requests.
    const alice = server.as(await jwt({ email: 'alice@example.com', groups: ['developers', 'security'] }));
    const bob = server.as(await jwt({ email: 'bob@example.com', groups: ['security'] }));
    const carol = server.as(await jwt({ email: 'carol@example.com', groups: ['sre'] }));
    const dave = server.as(await jwt({ email: 'dave@example.com', groups: ['developers'] }));
    expect((await alice('POST', '/api/v1/exceptions', request)).status).toBe(201);
    expect((await bob('POST', '/api/v1/exceptions/EX-1/approve', {})).status).toBe(200);
    expect((await carol('POST', '/api/v1/exceptions/EX-1/apply', {})).status).toBe(200);
    const renewal = {
      reason: 'the vendor ships its signed image next sprint, tracked in MIG-10',
      expires: '10d',
    };
    expect((await dave('POST', '/api/v1/exceptions/EX-1/renew', renewal)).body.exception).toMatchObject({
      id: 'EX-2',
      requestor: 'dave@example.com',
    });
    const aliceAgain = server.as(await jwt({ email: 'Alice@Example.com', groups: ['security'] }));
    for (const approver of [alice, aliceAgain]) {
      const refused = await approver('POST', '/api/v1/exceptions/EX-2/approve', {});
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(
        /^alice@example\.com requested an exception that EX-2 renews \(as alice@example\.com\) and cannot approve the renewal/i,
      );
    }
    // A renewal of the renewal: still the chain alice started.
    expect((await bob('POST', '/api/v1/exceptions/EX-2/approve', {})).status).toBe(200);
    expect((await carol('POST', '/api/v1/exceptions/EX-2/apply', {})).status).toBe(200);
    expect(
      (
        await dave('POST', '/api/v1/exceptions/EX-2/renew', {
          ...renewal,
          reason: `${renewal.reason}, again`,
        })
      ).status,
    ).toBe(201);
    expect((await alice('POST', '/api/v1/exceptions/EX-3/approve', {})).status).toBe(403);
    expect((await bob('POST', '/api/v1/exceptions/EX-3/approve', {})).body.exception).toMatchObject({
      approver: 'bob@example.com',
    });
  });

  it('still accepts API tokens beside JWTs', async () => {
    const server = await start();
    expect((await server.as(server.adminToken)('GET', '/api/v1/exceptions')).status).toBe(200);
  });

  it('authenticates a caller whose groups grant nothing, and forbids every action', async () => {
    const server = await start();
    const eve = server.as(await jwt({ email: 'eve@example.com', groups: ['marketing'] }));
    const refused = await eve('GET', '/api/v1/exceptions');
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/^eve@example.com may not read/);
  });

  const refusals: [string, Claims][] = [
    ['another audience', { email: 'a@example.com', groups: ['sre'], aud: 'grafana' }],
    ['another issuer', { email: 'a@example.com', groups: ['sre'], iss: 'https://evil.example' }],
    ['a key not in the key set', { email: 'a@example.com', groups: ['sre'] }],
    ['expired beyond the clock skew', { email: 'a@example.com', groups: ['sre'], expMs: T0 - 61_000 }],
    ['no expiry, which would never expire', { email: 'a@example.com', groups: ['sre'], expMs: null }],
    ['a not-before beyond the skew', { email: 'a@example.com', groups: ['sre'], nbfMs: T0 + 120_000 }],
    ['no username claim', { groups: ['sre'] }],
    ['a username that is not an identity', { email: 'a b <script>', groups: ['sre'] }],
  ];

  it.each(refusals)('refuses a token with %s (401, one line)', async (name, claims) => {
    const server = await start();
    const token = await jwt(name === 'a key not in the key set' ? { ...claims, key: stranger } : claims);
    const reply = await call(server.url, token, 'GET', '/api/v1/exceptions');
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ code: 'unauthenticated', field: 'authorization' });
    expect(reply.body.message).toMatch(/^the bearer token is not accepted: /);
  });

  it('allows expiry within the configured clock skew', async () => {
    const server = await start();
    const token = await jwt({ email: 'a@example.com', groups: ['audit'], expMs: T0 - 30_000 });
    expect((await call(server.url, token, 'GET', '/api/v1/exceptions')).status).toBe(200);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const server = await start();
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'none' })}.${b64({ iss: ISSUER, aud: 'waiver', email: 'x@example.com', groups: ['sre'], exp: T0 / 1000 + 60 })}.`;
    expect((await call(server.url, unsigned, 'GET', '/api/v1/exceptions')).status).toBe(401);
    const garbage = 'aaaa.bbbb.cccc';
    expect((await call(server.url, garbage, 'GET', '/api/v1/exceptions')).status).toBe(401);
  });

  it('reads the key set from a file', async () => {
    const file = join(tempDir(), 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [keys.jwk] }));
    const { jwksUrl: _url, ...rest } = oidc();
    const server = await start({ ...rest, jwksFile: file });
    const token = await jwt({ email: 'dave@example.com', groups: ['audit'] });
    expect((await call(server.url, token, 'GET', '/api/v1/exceptions')).status).toBe(200);
  });
});
