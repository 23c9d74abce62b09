import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { loadConfig, type Config, type ServerConfig } from '../../src/config/load.js';
import type { OidcConfig } from '../../src/config/schema.js';
import { logOptions } from '../../src/server/app.js';
import { startServer } from '../../src/wire/server.js';
import { ManualClock } from './temp.js';

export interface Reply {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

interface CallOptions {
  raw?: string;
  headers?: Record<string, string>;
}

/** The headers and body of a test call: a bearer token, and JSON unless `raw` is given. */
function outgoing(token: string | undefined, body: unknown, options: CallOptions) {
  const headers: Record<string, string> = { ...options.headers };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  return { headers, payload };
}

/** The answer, its body parsed when it is JSON (YAML, CSV and Prometheus text stay text). */
function reply(status: number, text: string, headers: Headers): Reply {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status, body, text, headers };
}

/** One HTTP call to a listening server. */
export async function call(
  url: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<Reply> {
  const { headers, payload } = outgoing(token, body, options);
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  return reply(res.status, await res.text(), res.headers);
}

/** One call through `app.inject()`, in-process, answered as `call` answers. */
export async function inject(
  app: FastifyInstance,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<Reply> {
  const { headers, payload } = outgoing(token, body, options);
  const res = await app.inject({
    method: method as 'GET',
    url: path,
    headers,
    ...(payload === undefined ? {} : { payload }),
  });
  const replyHeaders = new Headers();
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) replyHeaders.set(k, String(v));
  return reply(res.statusCode, res.body, replyHeaders);
}

export interface TestServer {
  url: string;
  app: FastifyInstance;
  clock: ManualClock;
  /** The server's JSON log lines. */
  logs: string[];
  adminToken: string;
  targetDir: string;
  as(token: string): (method: string, path: string, body?: unknown) => Promise<Reply>;
  /** Creates an API token over the API and returns its secret. */
  token(owner: string, roles: string[]): Promise<string>;
  close(): Promise<void>;
}

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';

/** A real listening server on a loopback port, with a clock the test moves. */
export async function startTestServer(options: {
  database: string;
  dir: string;
  clock?: ManualClock;
  oidc?: OidcConfig;
  failedAuthPerMinute?: number;
  timeouts?: ServerConfig['timeouts'];
  lintMemoryMb?: number;
  corsOrigins?: string[];
  /** Channels and routes; with them, the server delivers its outbox on its own. */
  notifications?: Pick<Config, 'notifications' | 'notificationRouting'>;
  /** A cluster to read and write, as `--kubeconfig` gives it. */
  kubeconfig?: string;
  /** More named targets beside the one the flags give (which stays the default). */
  moreTargets?: Config['targets'];
  /** PostgreSQL's statement and connection timeout (`database.statementTimeoutSeconds`). */
  statementTimeoutSeconds?: number;
  /** The Ed25519 key file evidence bundles are signed with (`serve --evidence-key`). */
  evidenceKeyFile?: string;
}): Promise<TestServer> {
  const clock = options.clock ?? new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
  const targetDir = join(options.dir, 'gitops');
  mkdirSync(targetDir, { recursive: true });
  const base = await loadConfig(
    {
      database: options.database,
      targetDir,
      as: 'test',
      ...(options.kubeconfig ? { kubeconfig: options.kubeconfig, context: 'test' } : {}),
    },
    { WAIVER_ADMIN_TOKEN: ADMIN_TOKEN },
  );
  const config = {
    ...base,
    targets: { ...base.targets, ...options.moreTargets },
    statementTimeoutSeconds: options.statementTimeoutSeconds ?? base.statementTimeoutSeconds,
    oidc: options.oidc,
    server: {
      ...base.server,
      port: 0,
      failedAuthPerMinute: options.failedAuthPerMinute ?? 1000,
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      // Minutes to lint: a loaded machine lints slowly, and no test of the server waits for that deadline.
      lint: {
        ...base.server.lint,
        timeoutSeconds: 120,
        ...(options.lintMemoryMb ? { memoryMb: options.lintMemoryMb } : {}),
      },
      corsOrigins: options.corsOrigins ?? [],
      evidenceKeyFile: options.evidenceKeyFile,
    },
    ...options.notifications,
  };
  const logs: string[] = [];
  const running = await startServer(config, {
    periodic: options.notifications !== undefined,
    deliver: options.notifications !== undefined,
    clock,
    logger: logOptions('info', { write: (line: string) => void logs.push(line) }),
    print: () => undefined,
  });
  // In-process, through Fastify's inject(): the same routes, hooks and serialisation, no socket.
  const as = (token: string) => (method: string, path: string, body?: unknown) =>
    inject(running.app, token, method, path, body);
  return {
    url: running.url,
    app: running.app,
    clock,
    logs,
    adminToken: ADMIN_TOKEN,
    targetDir,
    as,
    token: async (owner, roles) => {
      const reply = await as(ADMIN_TOKEN)('POST', '/api/v1/tokens', { owner, roles });
      if (reply.status !== 201) throw new Error(`token for ${owner}: ${reply.text}`);
      return (reply.body as { secret: string }).secret;
    },
    close: () => running.close(),
  };
}
