import type { Role } from './roles.js';

/** An API token as listed: never its secret, which is shown once and stored only as a hash. */
export interface ApiToken {
  id: string;
  owner: string;
  roles: Role[];
  description: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface StoredToken extends ApiToken {
  lookup: string;
  hash: string;
}
