import { sign, verify } from 'node:crypto';
import { ed25519PrivateKey, ed25519PublicKey } from './ed25519-keys.js';
import type { AuditEvent } from '../domain/audit.js';
import { WaiverError } from '../domain/errors.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';

const FORMAT = 'waiver-audit-checkpoint/v1';

/** The newest link of the chain: what a checkpoint vouches for. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/**
 * A signed statement that the trail held `seq` events ending in `hash` at `at`. Kept outside the
 * database (and signed with a key it never holds), it exposes a trail truncated or recomputed since.
 */
export interface AuditCheckpoint extends AuditHead {
  format: typeof FORMAT;
  at: string;
  /** Ed25519 over the format, seq, hash and at; base64. */
  signature: string;
}

export async function auditHead(deps: ServiceDeps, actor: Actor): Promise<AuditHead> {
  authorize(actor, 'read');
  const [last] = await deps.store.listAudit({ newestFirst: true, limit: 1 });
  return { seq: last?.seq ?? 0, hash: last?.hash ?? '' };
}

const signed = (c: Pick<AuditCheckpoint, 'seq' | 'hash' | 'at'>): Buffer =>
  Buffer.from(`${FORMAT}\n${c.seq}\n${c.hash}\n${c.at}`, 'utf8');

/** Signs the head with an Ed25519 private key (PEM), as of `at`. */
export function signCheckpoint(head: AuditHead, privateKeyPem: string, at: string): AuditCheckpoint {
  const privateKey = ed25519PrivateKey(privateKeyPem);
  const body = { seq: head.seq, hash: head.hash, at };
  return { format: FORMAT, ...body, signature: sign(null, signed(body), privateKey).toString('base64') };
}

/**
 * Checks a checkpoint against the trail: its signature by the trusted public key, then that the trail
 * still holds its event (`event`: the trail's event numbered as the checkpoint's, if any) with its
 * hash. The chain itself is verified separately.
 */
export function verifyCheckpoint(
  given: unknown,
  publicKeyPem: string,
  event: AuditEvent | undefined,
  head: AuditHead,
): Pick<AuditCheckpoint, 'seq' | 'at'> {
  const c = given as Partial<AuditCheckpoint>;
  if (
    c.format !== FORMAT ||
    typeof c.seq !== 'number' ||
    typeof c.hash !== 'string' ||
    typeof c.at !== 'string' ||
    typeof c.signature !== 'string'
  )
    throw new WaiverError('usage', `not a ${FORMAT} checkpoint`, 'checkpoint');
  const publicKey = ed25519PublicKey(publicKeyPem);
  if (
    !verify(
      null,
      signed({ seq: c.seq, hash: c.hash, at: c.at }),
      publicKey,
      Buffer.from(c.signature, 'base64'),
    )
  )
    throw new WaiverError('audit_broken', 'the checkpoint is not signed by this public key', 'checkpoint');
  if (c.seq > 0 && event?.seq !== c.seq)
    throw new WaiverError(
      'audit_broken',
      `the trail ends at event #${head.seq}, but the checkpoint of ${c.at} saw #${c.seq}: events were removed`,
      'checkpoint',
    );
  if (event && event.hash !== c.hash)
    throw new WaiverError(
      'audit_broken',
      `event #${c.seq} is not the one the checkpoint of ${c.at} saw: the trail was rewritten`,
      'checkpoint',
    );
  return { seq: c.seq, at: c.at };
}
