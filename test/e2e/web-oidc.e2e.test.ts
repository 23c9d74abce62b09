import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { ManualClock } from '../support/temp.js';
import { PATIENCE_MS } from '../support/eventually.js';

/**
 * Sign-in through a real OpenID provider on loopback (the `oidc-provider` package): the page runs the
 * authorization code flow with PKCE as a public client, and the server accepts the ID token it gets.
 */
describe.skipIf(!chromiumPath)('signing in to the web UI with OpenID Connect', () => {
  let dir: string;
  let server: TestServer;
  let idp: ReturnType<typeof createServer>;
  let issuer: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'waiver-oidc-'));
    // The provider's address first: the server's configuration names it, and it names the server.
    let handler: RequestListener = (_req, res) => res.writeHead(503).end();
    idp = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    server = await startTestServer({
      database: join(dir, 'w.db'),
      dir,
      clock: new ManualClock(Date.now()),
      oidc: {
        issuer,
        audience: 'waiver-ui',
        jwksUrl: `${issuer}/jwks`,
        usernameClaim: 'email',
        groupsClaim: 'groups',
        roleMap: { security: ['approver'] },
      },
    });
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const provider = new Provider(issuer, {
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test', use: 'sig', alg: 'RS256' }] },
      ttl: {
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
        AuthorizationCode: 60,
        IdToken: 3600,
        AccessToken: 3600,
      },
      clients: [
        {
          client_id: 'waiver-ui',
          token_endpoint_auth_method: 'none',
          redirect_uris: [`${server.url}/`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({ sub, email: `${sub}@example.com`, groups: ['security'] }),
      }),
      claims: { openid: ['sub'], email: ['email', 'groups'] },
      conformIdTokenClaims: false,
      clientBasedCORS: () => true,
      features: { devInteractions: { enabled: true } },
      cookies: { keys: ['waiver-test-cookie-key'] },
    });
    const callback = provider.callback();
    handler = (req, res) => void callback(req, res);
  });

  afterAll(async () => {
    await server.close();
    idp.closeAllConnections();
    await new Promise((resolve) => idp.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs in at the provider with PKCE and comes back signed in with the roles its groups grant', async () => {
    const config: unknown = await (await fetch(`${server.url}/api/v1/ui-config`)).json();
    expect(config).toMatchObject({ oidc: { issuer, clientId: 'waiver-ui', scope: 'openid profile email' } });
    const csp = (await fetch(server.url)).headers.get('content-security-policy');
    expect(csp).toContain(`connect-src 'self' ${issuer}`);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(PATIENCE_MS);
      await page.goto(server.url);
      await page.getByRole('button', { name: `Sign in with ${new URL(issuer).host}` }).click();
      // The provider's own pages: its development login (any password), then consent.
      await page.waitForURL(new RegExp(`^${issuer}/interaction/`));
      expect(new URL(page.url()).origin).toBe(issuer);
      await page.locator('input[name=login]').fill('bob');
      await page.locator('input[name=password]').fill('anything');
      await page.locator('button[type=submit]').click();
      await page.locator('button[type=submit]').click(); // consent
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      expect(await page.locator('.who').textContent()).toContain('bob@example.com (approver)');
      // The code left the address bar; the ID token is the bearer the API accepts.
      expect(page.url()).toBe(`${server.url}/`);
      await page.getByRole('link', { name: 'Review' }).click();
      await page.getByText('No request waits for a decision.').waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API token').waitFor();
    } finally {
      await browser.close();
    }
  });
});
