import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
import { seedCluster } from './kube/cluster.js';
import { FakeKubeApiServer } from './kube/fake-api-server.js';
import { startTestServer, type TestServer } from './server.js';
import { ManualClock } from './temp.js';

type ServerOptions = Parameters<typeof startTestServer>[0];

export interface WebSessionOptions {
  /** What the temp folder is named after (`waiver-<name>-…`). */
  name: string;
  /** Each person and the role their token carries. */
  people: Record<string, string>;
  /**
   * A fake Kubernetes API server with Kyverno's kinds (`seedCluster`), seeded further by this, as the
   * server's cluster target; without it the server writes to its folder only.
   */
  cluster?: (api: FakeKubeApiServer) => void;
  /** More of the server's options, given the session's folder (more targets, notifications). */
  server?: (dir: string) => Partial<ServerOptions>;
}

/** A browser and a server for one test file, with a token for each person; `close` ends them all. */
export interface WebSession {
  browser: Browser;
  /** One folder for the whole file (a per-test folder would vanish under the server between tests). */
  dir: string;
  server: TestServer;
  cluster: FakeKubeApiServer | undefined;
  tokens: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Chromium, a `waiver serve` on a database in a folder of its own with a clock the test moves (from
 * now), and a token for each person: what every browser test file starts from.
 */
export async function startWebSession(options: WebSessionOptions): Promise<WebSession> {
  const dir = mkdtempSync(join(tmpdir(), `waiver-${options.name}-`));
  const started: { browser?: Browser; server?: TestServer; cluster?: FakeKubeApiServer } = {};
  const close = async (): Promise<void> => {
    // The browser first: its kept-alive connections would hold the server open.
    await started.browser?.close();
    await started.server?.close();
    await started.cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const browser = (started.browser = await launchChromium());
    let kubeconfig: string | undefined;
    if (options.cluster) {
      const api = (started.cluster = await new FakeKubeApiServer().start());
      seedCluster(api);
      options.cluster(api);
      kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, api.kubeconfig());
    }
    const server = (started.server = await startTestServer({
      database: join(dir, 'w.db'),
      dir,
      clock: new ManualClock(Date.now()),
      ...(kubeconfig ? { kubeconfig } : {}),
      ...options.server?.(dir),
    }));
    const tokens: Record<string, string> = {};
    for (const [name, role] of Object.entries(options.people))
      tokens[name] = await server.token(name, [role]);
    return { browser, dir, server, cluster: started.cluster, tokens, close };
  } catch (e) {
    await close();
    throw e;
  }
}
