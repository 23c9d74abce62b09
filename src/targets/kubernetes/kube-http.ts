import http from 'node:http';
import https from 'node:https';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { KeepAliveAgents } from './keep-alive-agents.js';

/** One call of the target: a path under the API server, and a JSON body for writes. */
export interface KubeCall {
  method: 'GET' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  contentType?: string;
  signal: AbortSignal;
}

/** Sends a call; the answer's body on success. */
export type SendKubeCall = (call: KubeCall) => Promise<string>;

/**
 * The target's calls over node's http(s) and a kept-alive connection, with the
 * kubeconfig's credentials applied on every call (tokens, client certificates, exec plugins: what
 * client-node applies). client-node's generated client costs more per call than a small apply, and
 * Waiver sends hundreds at once. A failure is client-node's `ApiException`, so errors read the same.
 * Undefined for a cluster behind a proxy, which client-node's own agents reach.
 */
export function kubeHttp(kc: KubeConfig): SendKubeCall | undefined {
  const cluster = kc.getCurrentCluster();
  if (!cluster || cluster.proxyUrl) return undefined;
  const base = cluster.server.replace(/\/+$/, '');
  const secure = base.startsWith('https:');
  const agents = new KeepAliveAgents();
  return async (call) => {
    const options: https.RequestOptions = { headers: {} };
    await kc.applyToHTTPSOptions(options);
    if (cluster.tlsServerName) options.servername = cluster.tlsServerName;
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const headers = {
      ...options.headers,
      accept: 'application/json',
      'user-agent': 'waiver',
      ...(body === undefined
        ? {}
        : {
            'content-type': call.contentType ?? 'application/json',
            'content-length': Buffer.byteLength(body),
          }),
    };
    const agent = agents.agentFor(secure, options as Record<string, unknown>);
    return send(
      new URL(base + call.path),
      { ...options, method: call.method, headers, agent, signal: call.signal },
      body,
    );
  };
}

function send(url: URL, options: https.RequestOptions, body: string | undefined): Promise<string> {
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(text);
        const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]));
        reject(new ApiException(status, res.statusMessage ?? '', text, headers));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
