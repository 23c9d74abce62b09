import { hash } from 'node:crypto';

/**
 * SHA-256 of the text's UTF-8 bytes, in hex: what the audit trail is chained and rows digested with.
 * The one-shot `hash` skips the Hash object that `createHash` builds for each of a write's digests.
 */
export const sha256 = (text: string): string => hash('sha256', text, 'hex');
