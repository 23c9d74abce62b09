import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

/** The agent options that decide which server a connection may be reused for, and how it is trusted. */
const CONNECTION_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'];

/**
 * client-node makes a new agent for every request, so every request opens a connection (and, to a real
 * API server, does a TLS handshake). This keeps one kept-alive agent per connection setup and hands it
 * out instead; agents of other kinds (a proxy's) are left as they are.
 */
export class KeepAliveAgents {
  private readonly agents = new Map<string, http.Agent>();

  reuse(agent: http.Agent): http.Agent {
    const secure = agent.constructor === https.Agent;
    if (!secure && agent.constructor !== http.Agent) return agent;
    return this.agentFor(secure, (agent as http.Agent & { options: Record<string, unknown> }).options);
  }

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
