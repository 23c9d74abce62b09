import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

/** The agent options that decide which server a connection may be reused for, and how it is trusted. */
const CONNECTION_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'];

/**
 * One kept-alive agent per connection setup (server trust, client certificate), so that hundreds of
 * calls reuse a few connections instead of each opening one (and, to a real API server, doing a TLS
 * handshake), as client-node's per-request agents do.
 */
export class KeepAliveAgents {
  private readonly agents = new Map<string, http.Agent>();

  /** The kept-alive agent for connections with these TLS options (`secure`) or plain ones. */
  agentFor(secure: boolean, options: Record<string, unknown>): http.Agent {
    const picked = Object.fromEntries(CONNECTION_OPTIONS.map((k) => [k, serialisable(options[k])]));
    // The key holds hashes only: the options include the client's private key.
    const key = createHash('sha256')
      .update(JSON.stringify([secure, picked]))
      .digest('hex');
    let shared = this.agents.get(key);
    if (!shared) {
      const settings = {
        ...Object.fromEntries(CONNECTION_OPTIONS.map((k) => [k, options[k]])),
        keepAlive: true,
      };
      shared = secure ? new https.Agent(settings) : new http.Agent({ keepAlive: true });
      this.agents.set(key, shared);
    }
    return shared;
  }
}

const serialisable = (value: unknown): unknown => (Buffer.isBuffer(value) ? value.toString('base64') : value);
