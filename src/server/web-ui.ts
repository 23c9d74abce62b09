import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addVary, pickCoding, type Coding } from './compression.js';

/**
 * The built web UI (`npm run build` makes it): dist/web from the sources (as the tests run), beside the
 * bundle (dist/cli), or beside tsc's output (dist/src/server). Only a built one has its assets folder.
 */
const candidates = [
  new URL('../../dist/web/', import.meta.url),
  new URL('../web/', import.meta.url),
  new URL('../../web/', import.meta.url),
];

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/**
 * The page's policy: its own scripts and styles only (no CDN, no font or script from elsewhere; no inline
 * script but those named by their hash: the built page's one that starts the first API calls); it calls
 * this server, and the OpenID provider when one signs people in.
 */
export function webCsp(oidcIssuer: string | undefined, inlineScripts: readonly string[] = []): string {
  const connect = ["'self'", ...(oidcIssuer ? [new URL(oidcIssuer).origin] : [])].join(' ');
  const scripts = ["'self'", ...inlineScripts.map(scriptHash)].join(' ');
  return [
    "default-src 'none'",
    `script-src ${scripts}`,
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A CSP source that allows exactly this inline script's text, and no other (no 'unsafe-inline'). */
export const scriptHash = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The text of each inline script in the built index.html (the early API calls, web/src/early.ts): the page's
 * CSP names their hashes, read from the file served so that they cannot drift from it.
 */
export const inlineScripts = (html: string): string[] =>
  [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');

/** The icon a browser asks for on every page: a shield with a clock hand (time-bound exceptions). */
export const faviconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<path d="M16 2 4 6v9c0 7.5 5.1 13.4 12 15 6.9-1.6 12-7.5 12-15V6z" fill="#0a58ca"/>
<circle cx="16" cy="16" r="7" fill="none" stroke="#fff" stroke-width="2.5"/>
<path d="M16 12v4.5l3 2" fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round"/>
</svg>
`;

/** What the page needs before anyone signs in: how to sign in with OpenID Connect, if at all. */
export interface WebSignIn {
  issuer: string;
  clientId: string;
  scope: string;
}

/** Paths the UI answers without authentication: its shell and assets hold no data. */
export const isWebUiPath = (path: string): boolean =>
  path === '/' || path === '/index.html' || path.startsWith('/assets/') || path === '/api/v1/ui-config';

/** The name of the meta element that carries the page's settings (also at /api/v1/ui-config). */
export const UI_CONFIG_META = 'waiver-ui-config';

/**
 * index.html with the sign-in settings in it, before its first script: the page need not ask for them
 * before it can sign in. They are public (the issuer, the client id), as /api/v1/ui-config says.
 */
export function withConfig(html: string, config: object): Buffer {
  const text = JSON.stringify(config)
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
  const meta = `<meta name="${UI_CONFIG_META}" content="${text}" />\n    `;
  const at = html.search(/<script\b/);
  const head = at >= 0 ? at : html.indexOf('</head>');
  return Buffer.from(head >= 0 ? html.slice(0, head) + meta + html.slice(head) : html);
}

/** An asset as built, with the brotli and gzip copies the build wrote beside it (`x.js.br`, `x.js.gz`). */
interface Asset {
  body: Buffer;
  coded: Partial<Record<Coding, Buffer>>;
  codings: Coding[];
}

const codingSuffix: Record<Coding, string> = { br: '.br', gzip: '.gz' };

/** The assets folder, read once: each file with its compressed copies (which are not assets themselves). */
export function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  const files = new Set(readdirSync(dir));
  for (const file of files) {
    if (file.endsWith('.br') || file.endsWith('.gz')) continue;
    const coded: Asset['coded'] = {};
    for (const coding of ['br', 'gzip'] as const) {
      const name = file + codingSuffix[coding];
      if (files.has(name)) coded[coding] = readFileSync(join(dir, name));
    }
    const codings = (['br', 'gzip'] as const).filter((c) => coded[c] !== undefined);
    assets.set(file, { body: readFileSync(join(dir, file)), coded, codings });
  }
  return assets;
}

/**
 * Serves the single-page app at `/`: index.html (never cached) and content-hashed assets (cached for a
 * year), each in the coding the client prefers among those the build wrote. Files are read once at start;
 * a request names a file, never a path.
 */
export function registerWebUi(app: FastifyInstance, signIn: WebSignIn | undefined, version: string): void {
  const root = candidates
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'assets')));
  const uiConfig = { version, oidc: signIn ?? null };
  app.get('/api/v1/ui-config', () => Promise.resolve(uiConfig));
  // Browsers ask for /favicon.ico whatever the page links; an SVG answers both (every current browser
  // reads the content type, not the name).
  const icon = async (_req: unknown, reply: FastifyReply) =>
    reply.header('cache-control', 'public, max-age=86400').type('image/svg+xml').send(faviconSvg);
  app.get('/favicon.ico', icon);
  app.get('/favicon.svg', icon);
  if (!root) {
    app.get('/', async (_req, reply) =>
      reply.type('text/plain; charset=utf-8').send('The web UI is not built: run npm run build.\n'),
    );
    return;
  }
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const csp = webCsp(signIn?.issuer, inlineScripts(html));
  const index = withConfig(html, uiConfig);
  // The page carries its first script (several kB): compressed once here, as the build does the assets.
  const codedIndex: Record<Coding, Buffer> = {
    br: brotliCompressSync(index, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    gzip: gzipSync(index, { level: constants.Z_BEST_COMPRESSION }),
  };
  const assets = readAssets(join(root, 'assets'));
  const page = (req: FastifyRequest, reply: FastifyReply) => {
    const coding = pickCoding(req.headers['accept-encoding']);
    addVary(reply, 'Accept-Encoding');
    if (coding) reply.header('content-encoding', coding);
    return reply
      .header('content-security-policy', csp)
      .type(types['.html'] ?? '')
      .send(coding ? codedIndex[coding] : index);
  };
  app.get('/', page);
  app.get('/index.html', page);
  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
    const asset = assets.get(req.params.file);
    if (!asset) return reply.code(404).send({ code: 'not_found', message: `no asset ${req.params.file}` });
    const coding = pickCoding(req.headers['accept-encoding'], asset.codings);
    const coded = coding && asset.coded[coding];
    addVary(reply, 'Accept-Encoding');
    if (coding && coded) reply.header('content-encoding', coding);
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('content-security-policy', csp)
      .type(types[extname(req.params.file)] ?? 'application/octet-stream')
      .send(coded || asset.body);
  });
}
