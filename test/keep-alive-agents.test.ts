import http from 'node:http';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { KeepAliveAgents } from '../src/targets/kubernetes/keep-alive-agents.js';

describe('kept-alive agents for the Kubernetes client', () => {
  it('hands out one kept-alive agent per connection setup, and leaves other agents alone', () => {
    const agents = new KeepAliveAgents();
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const first = agents.reuse(new https.Agent({ ca, rejectUnauthorized: true }));
    expect(first).toBeInstanceOf(https.Agent);
    expect((first as http.Agent & { keepAlive: boolean }).keepAlive).toBe(true);
    expect(agents.reuse(new https.Agent({ ca: Buffer.from(ca), rejectUnauthorized: true }))).toBe(first);
    expect(agents.reuse(new https.Agent({ ca: Buffer.from('other'), rejectUnauthorized: true }))).not.toBe(
      first,
    );
    expect(agents.reuse(new https.Agent({ ca, rejectUnauthorized: false }))).not.toBe(first);
    const plain = agents.reuse(new http.Agent());
    expect(plain).not.toBeInstanceOf(https.Agent);
    expect(agents.reuse(new http.Agent())).toBe(plain);
    class ProxyAgent extends http.Agent {}
    const proxy = new ProxyAgent();
    expect(agents.reuse(proxy)).toBe(proxy);
  });
});
