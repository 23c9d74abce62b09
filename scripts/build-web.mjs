// Builds the web UI into dist/web (Vite), writes a brotli and a gzip copy beside each asset (x.js.br,
// x.js.gz: `waiver serve` sends the one the browser accepts, so nothing is compressed per request), then
// prints what a first visit loads: the JavaScript and CSS that index.html names, as brotli sends them.
// The budget for that JavaScript is 90 kB; over it, the build fails. It builds into a staging folder and
// swaps the result in (swap-in.mjs): dist/web is never missing.
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import { build } from 'vite';
import { stagingFor, swapIn } from './swap-in.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const BUDGET_KB = 90;
/** Files worth compressing: text. Below this size a coded copy saves less than its headers cost. */
const COMPRESSIBLE = /\.(?:js|css|svg|json|html|txt|map)$/;
const MIN_BYTES = 512;
const dir = stagingFor('dist/web');
// A failed build leaves dist/web as it was, and no staging folder behind.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
await build({
  configFile: 'web/vite.config.ts',
  logLevel: 'warn',
  build: { outDir: resolve(dir), emptyOutDir: true },
});

// The page's first script, inline in index.html before the entry: the first page's API calls go out as the
// HTML is parsed, not once the entry has been fetched. `waiver serve` names its hash in the page's CSP
// (src/server/web-ui.ts), which allows no other inline script.
const early = await esbuild({
  entryPoints: ['web/src/early.ts'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2022',
  write: false,
  logLevel: 'warning',
});
const earlyJs = early.outputFiles[0].text.trim().replace(/<\/(script)/gi, '<\\/$1');
const indexPath = join(dir, 'index.html');
const built = readFileSync(indexPath, 'utf8');
const firstScript = built.search(/<script\b/);
if (firstScript < 0) throw new Error('web build: index.html has no script to put the early calls before');
writeFileSync(
  indexPath,
  `${built.slice(0, firstScript)}<script>${earlyJs}</script>\n    ${built.slice(firstScript)}`,
);

const assets = join(dir, 'assets');
const sizes = new Map();
for (const file of readdirSync(assets)) {
  const body = readFileSync(join(assets, file));
  const size = { raw: body.length, br: body.length, gz: body.length };
  sizes.set(file, size);
  if (!COMPRESSIBLE.test(file) || body.length < MIN_BYTES) continue;
  // Built once, served many times: the slowest, smallest settings.
  const br = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  const gz = gzipSync(body, { level: constants.Z_BEST_COMPRESSION });
  if (br.length < body.length) {
    writeFileSync(join(assets, `${file}.br`), br);
    size.br = br.length;
  }
  if (gz.length < body.length) {
    writeFileSync(join(assets, `${file}.gz`), gz);
    size.gz = gz.length;
  }
}

// What a first visit fetches: the entry script, the chunks it preloads, the styles.
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const named = [...new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]))];
const sum = (files, key) => files.reduce((total, f) => total + (sizes.get(f)?.[key] ?? 0), 0) / 1000;
const js = named.filter((f) => f.endsWith('.js'));
const css = named.filter((f) => f.endsWith('.css'));
const brotli = (text) =>
  brotliCompressSync(Buffer.from(text), {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
  }).length / 1000;
// The inline script travels in index.html; it counts as JavaScript the first visit loads.
const jsKb = sum(js, 'br') + brotli(earlyJs);
const later = [...sizes.keys()].filter((f) => f.endsWith('.js') && !js.includes(f));
console.log(
  `web UI: first visit loads ${jsKb.toFixed(1)} kB of JavaScript (${earlyJs.length} bytes of it inline in index.html; ${sum(js, 'gz').toFixed(1)} kB gzipped, ` +
    `${sum(js, 'raw').toFixed(1)} kB as built) and ${sum(css, 'br').toFixed(1)} kB of CSS, brotli ` +
    `(budget ${BUDGET_KB} kB of JavaScript); pages that need more load ${sum(later, 'br').toFixed(1)} kB ` +
    `when opened; ${sizes.size} assets in dist/web/assets, text ones with a .br and a .gz beside`,
);
if (jsKb > BUDGET_KB) {
  console.error(`web UI: over budget by ${(jsKb - BUDGET_KB).toFixed(1)} kB; dist/web left as it was`);
  process.exit(1);
}
swapIn(dir, 'dist/web');
