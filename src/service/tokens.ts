import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { WaiverError } from '../domain/errors.js';
import { parseExpiry, toRfc3339 } from '../domain/time.js';
import { authorize, type Actor, type Role } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { TokenInputSchema, type TokenInput } from './inputs.js';
import type { ApiToken, StoredToken } from '../domain/api-token.js';
import { parseInput } from '../domain/parse-input.js';

export interface CreatedToken {
  token: ApiToken;
  /** Shown once; only its hash is stored. */
  secret: string;
}

const hashOf = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');
const lookupOf = (hash: string): string => hash.slice(0, 16);

/** A token whose secret the caller already has (WAIVER_ADMIN_TOKEN) or a new random one. */
function mint(
  owner: string,
  roles: Role[],
  meta: { description: string; createdAt: string; createdBy: string; expiresAt: string | null },
  secret = `wvr_${randomBytes(32).toString('base64url')}`,
): { stored: StoredToken; secret: string } {
  const hash = hashOf(secret);
  const id = `tok-${randomBytes(6).toString('hex')}`;
  return { stored: { id, owner, roles, ...meta, revokedAt: null, lookup: lookupOf(hash), hash }, secret };
}

const publicView = ({ lookup: _lookup, hash: _hash, ...token }: StoredToken): ApiToken => token;

/** `waiver token create`: admins only; audited without the secret. */
export async function createToken(deps: ServiceDeps, actor: Actor, raw: TokenInput): Promise<CreatedToken> {
  authorize(actor, 'manage_tokens');
  const input = parseInput(TokenInputSchema, raw);
  const nowMs = deps.clock.now();
  const expiresAt = input.expires ? toRfc3339(parseExpiry(input.expires, nowMs)) : null;
  const { stored, secret } = mint(input.owner, [...new Set(input.roles)], {
    description: input.description ?? '',
    createdAt: toRfc3339(nowMs),
    createdBy: actor.name,
    expiresAt,
  });
  await save(deps, actor, stored, nowMs);
  return { token: publicView(stored), secret };
}

async function save(deps: ServiceDeps, actor: Actor, stored: StoredToken, nowMs: number): Promise<void> {
  await deps.store.transaction(async (tx) => {
    await tx.insertToken(stored);
    await tx.appendAudit({
      at: toRfc3339(nowMs),
      actor: actor.name,
      action: 'token_created',
      exceptionId: null,
      data: { token: stored.id, owner: stored.owner, roles: stored.roles, expiresAt: stored.expiresAt },
    });
  });
}

export async function listTokens(deps: ServiceDeps, actor: Actor): Promise<ApiToken[]> {
  authorize(actor, 'manage_tokens');
  return deps.store.listTokens();
}

export async function revokeToken(deps: ServiceDeps, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'manage_tokens');
  const at = toRfc3339(deps.clock.now());
  await deps.store.transaction(async (tx) => {
    if (!(await tx.revokeToken(id, at)))
      throw new WaiverError('not_found', `no active token ${id}; see waiver token list`, 'id');
    await tx.appendAudit({
      at,
      actor: actor.name,
      action: 'token_revoked',
      exceptionId: null,
      data: { token: id },
    });
  });
}

const refused = (): WaiverError =>
  new WaiverError('unauthenticated', 'the token is unknown, revoked or expired', 'authorization');

/** The caller behind a bearer token. The stored hash is compared in constant time. */
export async function authenticateToken(deps: ServiceDeps, secret: string): Promise<Actor> {
  const hash = hashOf(secret);
  const stored = await deps.store.findTokenByLookup(lookupOf(hash));
  if (!stored || !timingSafeEqual(Buffer.from(stored.hash, 'hex'), Buffer.from(hash, 'hex'))) throw refused();
  if (stored.revokedAt !== null) throw refused();
  if (stored.expiresAt !== null && Date.parse(stored.expiresAt) <= deps.clock.now()) throw refused();
  return { name: stored.owner, roles: stored.roles };
}

/**
 * The first start of a server: with no token at all, an admin token is made so someone can log in.
 * A given secret (WAIVER_ADMIN_TOKEN) is stored if it is not there yet; it is never printed.
 * Returns the secret only when it was generated here.
 */
export async function bootstrapAdminToken(
  deps: ServiceDeps,
  given: string | undefined,
): Promise<string | undefined> {
  if (given !== undefined && given.length < 32)
    throw new WaiverError('usage', 'WAIVER_ADMIN_TOKEN must be at least 32 characters', 'WAIVER_ADMIN_TOKEN');
  if (given !== undefined && (await deps.store.findTokenByLookup(lookupOf(hashOf(given))))) return undefined;
  if (given === undefined && (await deps.store.listTokens()).length > 0) return undefined;
  const nowMs = deps.clock.now();
  const system: Actor = { name: 'waiver', roles: ['admin'] };
  const meta = {
    description: 'bootstrap admin token',
    createdAt: toRfc3339(nowMs),
    createdBy: 'waiver',
    expiresAt: null,
  };
  const { stored, secret } = mint('admin', ['admin'], meta, given);
  await save(deps, system, stored, nowMs);
  return given === undefined ? secret : undefined;
}
