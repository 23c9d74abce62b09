import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { WaiverError } from '../domain/errors.js';

const HOW_TO_MAKE = 'make one with: openssl genpkey -algorithm ed25519 -out key.pem';

/** An Ed25519 private key in PEM, or the reason it is not one, in words (never OpenSSL's error codes). */
export function ed25519PrivateKeyProblem(pem: string): string | undefined {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return /PUBLIC KEY-----/.test(pem)
      ? 'it is a public key: signing takes the private key'
      : `it is not a private key in PEM (${HOW_TO_MAKE})`;
  }
  return key.asymmetricKeyType === 'ed25519'
    ? undefined
    : `it is a ${key.asymmetricKeyType} key, not Ed25519`;
}

/** The signing key: an Ed25519 private key in PEM, else a usage error naming the flag. */
export function ed25519PrivateKey(pem: string): KeyObject {
  const problem = ed25519PrivateKeyProblem(pem);
  if (problem) throw new WaiverError('usage', `the private key cannot sign: ${problem}`, 'private-key');
  return createPrivateKey(pem);
}

/**
 * The checking key: an Ed25519 public key in PEM. A private key is refused, though Node would derive the
 * public half from it: whoever checks evidence should not hold what can forge it.
 */
export function ed25519PublicKey(pem: string): KeyObject {
  const refuse = (why: string) =>
    new WaiverError('usage', `the public key cannot check: ${why}`, 'public-key');
  if (/PRIVATE KEY-----/.test(pem))
    throw refuse('it is a private key; give its public half (openssl pkey -in key.pem -pubout)');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw refuse('it is not a public key in PEM');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw refuse(`it is a ${key.asymmetricKeyType} key, not Ed25519`);
  return key;
}
