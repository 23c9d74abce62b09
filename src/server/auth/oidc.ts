import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { OidcConfig } from '../../config/schema.js';
import { messageOf, WaiverError } from '../../domain/errors.js';
import { roles as knownRoles, type Actor, type Role } from '../../service/actor.js';
import { IdentitySchema } from '../../service/inputs.js';
import type { Clock } from '../../service/ports/runtime.js';

/** Verifies OpenID Connect bearer JWTs and maps their groups to Waiver roles. */
export interface OidcVerifier {
  verify(jwt: string): Promise<Actor>;
}

const refused = (why: string): WaiverError =>
  new WaiverError('unauthenticated', `the bearer token is not accepted: ${why}`, 'authorization');

function keySet(config: OidcConfig): JWTVerifyGetKey {
  if (config.jwksUrl) return createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5_000 });
  const path = config.jwksFile ?? '';
  try {
    return createLocalJWKSet(
      JSON.parse(readFileSync(path, 'utf8')) as Parameters<typeof createLocalJWKSet>[0],
    );
  } catch (e) {
    throw new WaiverError('usage', `cannot read the JWKS file ${path}: ${messageOf(e)}`, 'oidc.jwksFile');
  }
}

export function oidcVerifier(config: OidcConfig, clock: Clock): OidcVerifier {
  const keys = keySet(config);
  const usernameClaim = config.usernameClaim ?? 'email';
  const groupsClaim = config.groupsClaim ?? 'groups';
  return {
    async verify(jwt) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(jwt, keys, {
          issuer: config.issuer,
          // The web UI signs in as its own public client and sends its ID token: that client is an audience too.
          audience: config.webClientId ? [config.audience, config.webClientId] : config.audience,
          clockTolerance: config.clockSkewSeconds ?? 30,
          currentDate: new Date(clock.now()),
          // A token without an expiry would be valid forever: refused.
          requiredClaims: ['exp'],
        }));
      } catch (e) {
        throw refused(e instanceof errors.JOSEError ? e.message : 'the key set could not be fetched');
      }
      const name = IdentitySchema.safeParse(payload[usernameClaim]);
      if (!name.success) throw refused(`claim "${usernameClaim}" is missing or not a valid identity`);
      return { name: name.data, roles: rolesOf(payload[groupsClaim], config.roleMap) };
    },
  };
}

/** Every role any of the caller's groups maps to; unknown groups grant nothing. */
function rolesOf(groups: unknown, roleMap: Record<string, Role[]>): Role[] {
  const list = Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [];
  const granted = new Set(list.flatMap((g) => roleMap[g] ?? []));
  return knownRoles.filter((r) => granted.has(r));
}
