import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { isWaiverError, WaiverError } from '../domain/errors.js';
import type { ServerConfig } from '../config/load.js';
import { authorize, type Actor } from '../service/actor.js';
import type { ServiceDeps } from '../service/deps.js';
import { createWaiver } from '../service/waiver.js';
import { authenticate } from './auth/authenticate.js';
import { FailedAuthLimiter } from './auth/failed-auth-limiter.js';
import type { OidcVerifier } from './auth/oidc.js';
import { AnswerSlots } from './answer-slots.js';
import { compressJsonAnswers } from './compression.js';
import { docsHtml, docsJs } from './docs-page.js';
import { registerEvidenceBundle } from './evidence-bundle.js';
import { toErrorResponse } from './http-errors.js';
import { openApiDocument } from './openapi.js';
import type { ServerMetrics } from './prometheus.js';
import { registerOperations } from './routes.js';
import { isWebUiPath, registerWebUi, type WebSignIn } from './web-ui.js';
import { applyCors, setSecurityHeaders } from './security.js';

export interface AppOptions {
  deps: ServiceDeps;
  server: ServerConfig;
  metrics: ServerMetrics;
  oidc?: OidcVerifier | undefined;
  /** The web UI's sign-in with the OpenID provider (authorization code with PKCE, a public client). */
  webSignIn?: WebSignIn | undefined;
  logger?: FastifyServerOptions['logger'];
  version: string;
  /** The Ed25519 key (PEM) evidence bundles are signed with, read from a file at start; never stored. */
  evidenceKey?: string | undefined;
}

/**
 * Answer without authentication: liveness, readiness, the icon, and the API's description (its docs page
 * and the OpenAPI document say what the API is, never what it holds).
 */
const publicPaths = new Set([
  '/healthz',
  '/readyz',
  '/favicon.ico',
  '/favicon.svg',
  '/api/docs',
  '/api/docs/docs.js',
  '/api/openapi.json',
]);

export const BODY_LIMIT = 1024 * 1024;
const RETRY_AFTER_SECONDS = 5;
/** A full disk is freed by someone, not by a moment's wait. */
const STORAGE_RETRY_AFTER_SECONDS = 30;
/**
 * Large answers prepared at once, and how many more may wait their turn: each holds up to a page's
 * ceiling (1 MiB of JSON, src/api/paging.ts) and the rows it was made from, so a hundred clients asking
 * together cost what four do, well inside the chart's 512 Mi.
 */
export const LARGE_ANSWERS = { atOnce: 4, waiting: 256 };

/** Query parameters whose values are credentials when someone puts one in a URL. */
const SECRET_PARAMS =
  /^(access_?token|token|jwt|id_token|api_?key|key|secret|password|auth(orization)?|code)$/i;

/** A URL fit for the log: credentials in its query string replaced (tokens belong in a header). */
export function loggableUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const params = new URLSearchParams(url.slice(at + 1));
  for (const key of [...params.keys()]) if (SECRET_PARAMS.test(key)) params.set(key, '[redacted]');
  return `${url.slice(0, at)}?${params.toString().replaceAll('%5Bredacted%5D', '[redacted]')}`;
}

/** Secrets never reach the log, whatever a serializer or a debug line includes. */
export const logRedaction = {
  paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'secret', '*.secret'],
  censor: '[redacted]',
};

/** pino's options for the server's JSON log: the level, redaction, requests without secrets in URLs. */
export function logOptions(level: string, stream?: { write(line: string): void }): LoggerOptions {
  const options: LoggerOptions = {
    level,
    redact: logRedaction,
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: loggableUrl(req.url),
        remoteAddress: req.ip,
        ...(req.socket.remotePort === undefined ? {} : { remotePort: req.socket.remotePort }),
      }),
    },
  };
  if (stream) options.stream = stream;
  return options;
}

type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

const requestId = (req: { headers: Record<string, string | string[] | undefined> }): string => {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
};

/**
 * No client may hold a connection open for nothing: one that sends no headers, sends them a byte at a
 * time, trickles its body, or idles is disconnected. Node checks headers and request deadlines on an
 * interval, here a fraction of the shortest.
 */
function timeoutOptions(t: ServerConfig['timeouts']) {
  const headersMs = t.headersSeconds * 1000;
  const requestMs = t.requestSeconds * 1000;
  const keepAliveMs = t.keepAliveSeconds * 1000;
  return {
    keepAliveTimeout: keepAliveMs,
    requestTimeout: requestMs,
    connectionTimeout: requestMs,
    serverFactory: (handler: RequestListener) => {
      const server = createServer(
        {
          headersTimeout: headersMs,
          requestTimeout: requestMs,
          keepAliveTimeout: keepAliveMs,
          connectionsCheckingInterval: Math.min(1000, headersMs / 2),
        },
        handler,
      );
      server.setTimeout(requestMs);
      return server;
    },
  };
}

/** The HTTP API: authentication, the routes, errors as JSON, metrics. No process logic lives here. */
export function buildApp(options: AppOptions): FastifyInstance {
  const { deps, metrics } = options;
  const app = Fastify({
    logger: options.logger ?? logOptions('info'),
    bodyLimit: BODY_LIMIT,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestIdHeader: false,
    genReqId: requestId,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    return503OnClosing: true,
    routerOptions: { maxParamLength: 300 },
    ...timeoutOptions(options.server.timeouts),
  });
  // The API speaks JSON only: a text body is refused with 415, not read as a string and refused with 400.
  app.removeContentTypeParser('text/plain');
  // Fastify's own parser (with its guard against prototype poisoning), but broken JSON is said as the
  // field and the place it breaks: `body: not valid JSON (Unexpected token … at position 9)`.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body);
    void parseJson(req, text, (error, value) => {
      if (!error || (error as { code?: unknown }).code !== 'FST_ERR_CTP_INVALID_JSON_BODY') {
        done(error, value);
        return;
      }
      done(new WaiverError('usage', `body: not valid JSON (${jsonProblem(text)})`, 'body'), undefined);
    });
  });
  const limiter = new FailedAuthLimiter(options.server.failedAuthPerMinute, deps.clock);
  const waiverOf = (req: FastifyRequest) => {
    if (!req.actor) throw new WaiverError('unauthenticated', 'authentication required', 'authorization');
    return createWaiver(deps, req.actor);
  };

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    setSecurityHeaders(req, reply);
    if (applyCors(options.server.corsOrigins, req, reply)) return reply;
    const path = req.url.split('?')[0] ?? '';
    if (publicPaths.has(path) || isWebUiPath(path)) return;
    try {
      req.actor = await authenticate(req.headers.authorization, deps, options.oidc);
    } catch (e) {
      if (!isWaiverError(e) || e.code !== 'unauthenticated') throw e;
      reply.header('www-authenticate', 'Bearer realm="waiver"');
      // Only a credential that was presented and refused is a guess: a browser asking for a page or
      // an icon without one is not, and a valid credential passes above even while its address is limited
      // (one busy tab behind a shared proxy must not lock everyone out). A database hiccup is not a guess.
      if (req.headers.authorization === undefined) throw e;
      const waitMs = limiter.retryAfterMs(req.ip);
      if (waitMs > 0) {
        reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
        throw Object.assign(new Error('too many failed authentications; try again later'), {
          statusCode: 429,
        });
      }
      limiter.recordFailure(req.ip);
      throw e;
    }
  });

  // Shutting down: a response still in flight asks its client to close the connection, or an idle
  // keep-alive connection would hold the server open until it times out.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  compressJsonAnswers(app);

  app.addHook('onResponse', async (req, reply) => {
    const labels = {
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  app.setErrorHandler(async (error, req, reply) => {
    const { status, body } = toErrorResponse(error);
    // The database is away or cannot write for now: clients (and proxies) may try again later. What the
    // driver said goes to the log, so an operator sees SQLITE_FULL, not only the status.
    if (status === 503 || status === 507) {
      reply.header('retry-after', String(status === 507 ? STORAGE_RETRY_AFTER_SECONDS : RETRY_AFTER_SECONDS));
      if (error instanceof Error && error.cause !== undefined)
        req.log.error({ err: error.cause }, body.message);
    } else if (status >= 500) req.log.error({ err: error }, 'request failed');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler(async (req, reply) =>
    reply.code(404).send({ code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );

  app.get('/healthz', () => Promise.resolve({ status: 'ok' }));
  // Ready while the database answers and could take a write: a full disk or a read-only file takes the
  // replica out of service until a write succeeds again.
  app.get('/readyz', async (_req, reply) => {
    try {
      await deps.store.getException(0);
      await deps.store.checkWritable();
      return { status: 'ready' };
    } catch (e) {
      const reason = isWaiverError(e) && e.field === 'database' ? e.message : 'the database does not answer';
      return reply.code(503).send({ status: 'not ready', reason });
    }
  });
  app.get('/api/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').send(docsHtml));
  app.get('/api/docs/docs.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').send(docsJs),
  );
  const openApi = openApiDocument(options.version);
  app.get('/api/openapi.json', () => Promise.resolve(openApi));
  app.get('/metrics', async (req, reply) => {
    authorize(req.actor ?? { name: 'anonymous', roles: [] }, 'read');
    return reply.type(metrics.registry.contentType).send(await metrics.render());
  });

  const large = new AnswerSlots(LARGE_ANSWERS.atOnce, LARGE_ANSWERS.waiting);
  registerOperations(app, waiverOf, large);
  registerEvidenceBundle(app, waiverOf, large, options.evidenceKey, () => deps.clock.now());
  registerWebUi(app, options.webSignIn, options.version);
  return app;
}

/**
 * Where JSON text breaks, in the words of JSON.parse ("Expected property name or '}' in JSON at position
 * 1"); without the excerpt of the body some of its messages quote, which the caller has and the log must not.
 */
function jsonProblem(text: string): string {
  try {
    JSON.parse(text);
    return 'a __proto__ or constructor.prototype key is not allowed';
  } catch (e) {
    const message = e instanceof Error ? e.message : 'cannot be read';
    // Node 22+ adds " (line 1 column 29)" after the position: left out, so every supported Node says the same.
    return message
      .replace(/^(Unexpected token '.+?'), .* is not valid JSON$/s, '$1')
      .replace(/ \(line \d+ column \d+\)$/, '');
  }
}
