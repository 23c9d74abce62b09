import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** A content coding the server can answer in; identity is the absence of one. */
export type Coding = 'br' | 'gzip';

/**
 * The coding to answer in, from a request's `Accept-Encoding` (RFC 9110 §12.5.3): the one the client
 * weighs highest, brotli before gzip when it weighs them alike; undefined means the bytes as they are.
 * `q=0` refuses a coding, and `*` stands for every coding the header does not name. Only `available`
 * codings are chosen (an asset the build left uncompressed has none).
 */
export function pickCoding(
  accept: string | string[] | undefined,
  available: readonly Coding[] = ['br', 'gzip'],
): Coding | undefined {
  const header = Array.isArray(accept) ? accept.join(',') : accept;
  if (!header) return undefined;
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (!name) continue;
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: string) => weights.get(coding) ?? weights.get('*') ?? 0;
  const br = available.includes('br') ? weightOf('br') : 0;
  const gz = available.includes('gzip') ? Math.max(weightOf('gzip'), weights.get('x-gzip') ?? 0) : 0;
  if (br > 0 && br >= gz) return 'br';
  if (gz > 0) return 'gzip';
  return undefined;
}

/** Adds a field to `Vary`, keeping what is there (CORS varies by Origin). */
export function addVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary');
  const fields = (typeof current === 'string' ? current : '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (fields.some((f) => f.toLowerCase() === field.toLowerCase() || f === '*')) return;
  reply.header('vary', [...fields, field].join(', '));
}

/** JSON below this many bytes goes as it is: its headers cost about what compression would save. */
export const JSON_COMPRESSION_THRESHOLD = 1024;

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/**
 * Compresses an answer made while the client waits: brotli at a low quality and gzip at a moderate level
 * cost a millisecond or two on a page of the API, where the highest settings would cost more than the wire
 * saves on a local network.
 */
export function compressNow(body: Buffer | string, coding: Coding): Promise<Buffer> {
  const size = Buffer.byteLength(body);
  return coding === 'br'
    ? brotli(body, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 4,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: size,
        },
      })
    : gzipped(body, { level: 6 });
}

const isJson = (type: unknown): boolean =>
  typeof type === 'string' && /^application\/(?:[\w.+-]+\+)?json\b/i.test(type);

/**
 * JSON answers of at least `threshold` bytes are compressed when the client accepts br or gzip, and say
 * they vary by Accept-Encoding. Streamed answers (CSV, YAML, NDJSON exports), text such as the Prometheus
 * scrape, answers already encoded (the web UI's precompressed assets) and small answers go as they are.
 */
export function compressJsonAnswers(app: FastifyInstance, threshold = JSON_COMPRESSION_THRESHOLD): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    if (reply.statusCode === 204 || reply.statusCode === 304) return payload;
    if (reply.hasHeader('content-encoding') || !isJson(reply.getHeader('content-type'))) return payload;
    if (Buffer.byteLength(payload) < threshold) return payload;
    addVary(reply, 'Accept-Encoding');
    const coding = pickCoding(req.headers['accept-encoding']);
    if (!coding) return payload;
    const body = await compressNow(payload, coding);
    reply.header('content-encoding', coding);
    reply.removeHeader('content-length');
    return body;
  });
}
