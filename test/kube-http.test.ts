import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PolicyExceptionManifest } from '../src/domain/manifest.js';
import { loadKubeConfig } from '../src/targets/kubernetes/kube-config.js';
import { kubeHttp } from '../src/targets/kubernetes/kube-http.js';
import { KubernetesTarget } from '../src/targets/kubernetes/kubernetes-target.js';
import { systemScheduler } from '../src/system/system-scheduler.js';
import { seedCluster } from './support/kube/cluster.js';
import { FakeKubeApiServer } from './support/kube/fake-api-server.js';
import { certificate } from './support/certificate.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const kubeconfig = (dir: string, server: string, ca: string, extra = ''): string => {
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: tls\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${Buffer.from(ca).toString('base64')}${extra}`,
      'users:',
      '- name: robot\n  user:\n    token: secret-token',
      'contexts:',
      '- name: tls\n  context:\n    cluster: tls\n    user: robot',
      'current-context: tls',
      '',
    ].join('\n'),
  );
  return path;
};

const manifest = (name: string): PolicyExceptionManifest => ({
  apiVersion: 'kyverno.io/v2',
  kind: 'PolicyException',
  metadata: { name, namespace: 'policy-exceptions' },
  spec: { exceptions: [], match: { any: [] } },
});

describe('the target over TLS, as to a real API server', () => {
  it('trusts the kubeconfig CA, sends its token, and keeps one connection for many writes', async () => {
    const dir = tempDir();
    const tls = certificate(dir);
    const seen: { method: string; url: string; auth: string; type: string }[] = [];
    let connections = 0;
    const server = createServer(tls, (req, res) => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization ?? '',
        type: req.headers['content-type'] ?? '',
      });
      req.resume();
      req.on('end', () => {
        const missing = req.method === 'DELETE';
        res.writeHead(missing ? 404 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(missing ? { kind: 'Status', code: 404, reason: 'NotFound' } : {}));
      });
    });
    server.on('secureConnection', () => connections++);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const target = new KubernetesTarget(
      loadKubeConfig({ kubeconfig: kubeconfig(dir, url, tls.cert) }),
      systemScheduler,
    );
    for (const name of ['a', 'b', 'c']) await target.write(manifest(name));
    await target.remove('policy-exceptions', 'gone-already');
    expect(seen).toEqual([
      ...['a', 'b', 'c'].map((name) => ({
        method: 'PATCH',
        url: `/apis/kyverno.io/v2/namespaces/policy-exceptions/policyexceptions/${name}?fieldManager=waiver&force=true`,
        auth: 'Bearer secret-token',
        type: 'application/apply-patch+yaml',
      })),
      {
        method: 'DELETE',
        url: '/apis/kyverno.io/v2/namespaces/policy-exceptions/policyexceptions/gone-already',
        auth: 'Bearer secret-token',
        type: '',
      },
    ]);
    expect(connections).toBe(1);
  });

  it('refuses a server its CA did not sign, and leaves a proxied cluster to client-node', async () => {
    const dir = tempDir();
    const tls = certificate(dir);
    const other = certificate(tempDir());
    const server = createServer(tls, (_req, res) => res.end('{}'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const fast = { attempts: 1, backoffMs: 1, maxBackoffMs: 1, timeoutMs: 120_000 };
    const target = new KubernetesTarget(
      loadKubeConfig({ kubeconfig: kubeconfig(dir, url, other.cert) }),
      systemScheduler,
      'v2',
      fast,
    );
    await expect(target.write(manifest('a'))).rejects.toMatchObject({
      code: 'target',
      message: expect.stringMatching(/cannot reach the cluster at .*: .*(self-signed|verify|certificate)/),
    });
    const proxied = loadKubeConfig({
      kubeconfig: kubeconfig(dir, url, tls.cert, '\n    proxy-url: http://127.0.0.1:9'),
    });
    expect(kubeHttp(proxied)).toBeUndefined();
  });
});

describe('the target behind a proxy', () => {
  it('goes through client-node and the proxy the kubeconfig names: writes, lists and deletes', async () => {
    const dir = tempDir();
    const api = await new FakeKubeApiServer().start();
    seedCluster(api);
    const tunnels: string[] = [];
    // A forward proxy as client-node's agent (hpagent) uses one: a CONNECT tunnel to the API server.
    const proxy = createHttpServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: IncomingMessage, client: Duplex) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host ?? '', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const path = join(dir, 'kubeconfig');
      writeFileSync(
        path,
        api.kubeconfig().replace('insecure-skip-tls-verify: true', `proxy-url: ${proxyUrl}`),
      );
      const kc = loadKubeConfig({ kubeconfig: path });
      expect(kubeHttp(kc)).toBeUndefined();
      const target = new KubernetesTarget(kc, systemScheduler);
      await target.write(manifest('via-proxy'));
      expect((await target.list()).map((o) => o.name)).toEqual(['via-proxy']);
      await target.remove('policy-exceptions', 'via-proxy');
      await target.remove('policy-exceptions', 'via-proxy');
      expect(await target.list()).toEqual([]);
      expect(tunnels.length).toBeGreaterThan(0);
      expect(new Set(tunnels)).toEqual(new Set([new URL(api.url).host]));
      const calls = api.requests.map((r) => `${r.method} ${r.path.split('?')[0] ?? ''}`);
      const objects = '/apis/kyverno.io/v2/namespaces/policy-exceptions/policyexceptions/via-proxy';
      expect(calls).toEqual([
        `PATCH ${objects}`,
        'GET /apis/kyverno.io/v2/policyexceptions',
        'GET /apis/policies.kyverno.io/v1/policyexceptions',
        `DELETE ${objects}`,
        `DELETE ${objects}`,
        'GET /apis/kyverno.io/v2/policyexceptions',
        'GET /apis/policies.kyverno.io/v1/policyexceptions',
      ]);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await api.stop();
    }
  });
});
