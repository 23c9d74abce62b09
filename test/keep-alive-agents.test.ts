import type http from 'node:http';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { KeepAliveAgents } from '../src/targets/kubernetes/keep-alive-agents.js';

describe('kept-alive agents for the Kubernetes target', () => {
  it('hands out one kept-alive agent per connection setup', () => {
    const agents = new KeepAliveAgents();
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const first = agents.agentFor(true, { ca, rejectUnauthorized: true, headers: { authorization: 'x' } });
    expect(first).toBeInstanceOf(https.Agent);
    expect((first as http.Agent & { keepAlive: boolean }).keepAlive).toBe(true);
    // Headers (the token) are not part of a connection's setup; the CA is.
    expect(agents.agentFor(true, { ca: Buffer.from(ca), rejectUnauthorized: true, headers: {} })).toBe(first);
    expect(agents.agentFor(true, { ca: Buffer.from('other'), rejectUnauthorized: true })).not.toBe(first);
    expect(agents.agentFor(true, { ca, rejectUnauthorized: false })).not.toBe(first);
    const plain = agents.agentFor(false, {});
    expect(plain).not.toBeInstanceOf(https.Agent);
    expect(agents.agentFor(false, {})).toBe(plain);
  });
});
