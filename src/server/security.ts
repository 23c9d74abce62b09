import type { FastifyReply, FastifyRequest } from 'fastify';

/** Headers every response carries: an API answer is never framed, sniffed, cached or referred. */
const apiHeaders = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/** The docs page loads its own script and styles from this server and nothing else. */
const docsCsp =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(apiHeaders);
  if (request.url === '/api/docs' || request.url.startsWith('/api/docs/'))
    reply.header('content-security-policy', docsCsp);
}

/**
 * CORS is off unless origins are configured: then a listed origin may call with a bearer token.
 * Returns true when the request was a preflight that has been answered.
 */
export function applyCors(origins: readonly string[], request: FastifyRequest, reply: FastifyReply): boolean {
  const origin = request.headers.origin;
  if (origins.length === 0 || origin === undefined || !origins.includes(origin)) return false;
  reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
  if (request.method !== 'OPTIONS') return false;
  void reply
    .code(204)
    .header('access-control-allow-methods', 'GET, POST, DELETE')
    .header('access-control-allow-headers', 'authorization, content-type, x-request-id')
    .header('access-control-max-age', '600')
    .send();
  return true;
}
