/** Sign-in with OpenID Connect: authorization code with PKCE, as a public client (no secret in the page). */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  scope: string;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

const VERIFIER = 'waiver.oidc.verifier';
const STATE = 'waiver.oidc.state';

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const random = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`the OpenID provider answered ${response.status} to its discovery`);
  return (await response.json()) as Discovery;
}

const redirectUri = (): string => `${window.location.origin}/`;

/** Leaves for the provider's sign-in page; it comes back to `/` with a code. */
export async function startOidcSignIn(oidc: OidcSettings): Promise<void> {
  const { authorization_endpoint } = await discover(oidc.issuer);
  const verifier = random();
  const state = random();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(VERIFIER, verifier);
  sessionStorage.setItem(STATE, state);
  const url = new URL(authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.clientId,
    redirect_uri: redirectUri(),
    scope: oidc.scope,
    state,
    code_challenge: base64url(digest),
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.toString());
}

/**
 * Back from the provider: trades the code for tokens and answers the ID token (the server verifies it as
 * a bearer token), or undefined when this is not a return from the provider. The code never stays in the
 * address bar or the history.
 */
export async function completeOidcSignIn(oidc: OidcSettings): Promise<string | undefined> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (code === null && error === null) return undefined;
  window.history.replaceState(null, '', '/' + window.location.hash);
  if (error !== null)
    throw new Error(`the OpenID provider refused the sign-in: ${params.get('error_description') ?? error}`);
  const state = sessionStorage.getItem(STATE);
  const verifier = sessionStorage.getItem(VERIFIER);
  sessionStorage.removeItem(STATE);
  sessionStorage.removeItem(VERIFIER);
  if (!state || params.get('state') !== state || !verifier)
    throw new Error('the sign-in did not start here; try again');
  const { token_endpoint } = await discover(oidc.issuer);
  const response = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code ?? '',
      redirect_uri: redirectUri(),
      client_id: oidc.clientId,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await response.json()) as { id_token?: string; error_description?: string; error?: string };
  if (!response.ok || !body.id_token)
    throw new Error(
      `the OpenID provider did not issue a token: ${body.error_description ?? body.error ?? response.status}`,
    );
  return body.id_token;
}
