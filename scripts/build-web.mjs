// Builds the web UI into dist/web (Vite), then prints what a first visit loads: the JavaScript and CSS
// that index.html names, gzipped. The budget for its JavaScript is 250 kB; over it, the build fails.
// It builds into a staging folder and swaps the result in (swap-in.mjs): dist/web is never missing.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { stagingFor, swapIn } from './swap-in.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const BUDGET_KB = 250;
const dir = stagingFor('dist/web');
// A failed build leaves dist/web as it was, and no staging folder behind.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
await build({
  configFile: 'web/vite.config.ts',
  logLevel: 'warn',
  build: { outDir: resolve(dir), emptyOutDir: true },
});
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const named = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]);
const gz = (file) => gzipSync(readFileSync(join(dir, file))).length / 1024;
const js = named.filter((f) => f.endsWith('.js'));
const css = named.filter((f) => f.endsWith('.css'));
const jsKb = js.reduce((sum, f) => sum + gz(f), 0);
const cssKb = css.reduce((sum, f) => sum + gz(f), 0);
const all = readdirSync(join(dir, 'assets')).length;
console.log(
  `web UI: first visit loads ${jsKb.toFixed(1)} kB of JavaScript and ${cssKb.toFixed(1)} kB of CSS, gzipped (budget ${BUDGET_KB} kB of JavaScript); ${all} files in dist/web/assets`,
);
if (jsKb > BUDGET_KB) {
  console.error(`web UI: over budget by ${(jsKb - BUDGET_KB).toFixed(1)} kB; dist/web left as it was`);
  process.exit(1);
}
swapIn(dir, 'dist/web');
