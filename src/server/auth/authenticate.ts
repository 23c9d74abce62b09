import { WaiverError } from '../../domain/errors.js';
import type { Actor } from '../../service/actor.js';
import type { ServiceDeps } from '../../service/deps.js';
import { authenticateToken } from '../../service/tokens.js';
import type { OidcVerifier } from './oidc.js';

/** A JWT has three base64url parts; Waiver's own tokens start with wvr_ and have none of those dots. */
const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/** The caller behind an Authorization header: an OIDC JWT or a Waiver API token. */
export async function authenticate(
  header: string | undefined,
  deps: ServiceDeps,
  oidc: OidcVerifier | undefined,
): Promise<Actor> {
  const match = /^Bearer ([\x21-\x7e]{1,8192})$/i.exec(header ?? '');
  if (!match?.[1])
    throw new WaiverError(
      'unauthenticated',
      'authentication required: send "Authorization: Bearer <token>"',
      'authorization',
    );
  const token = match[1];
  if (oidc && looksLikeJwt(token)) return oidc.verify(token);
  return authenticateToken(deps, token);
}
