import react from '@vitejs/plugin-react';
import { defineConfig, type HtmlTagDescriptor, type Plugin } from 'vite';

/**
 * The entry (main.tsx) is small: it starts the first page's API calls, then imports the app (boot.tsx).
 * So that the app is not fetched only after the entry has run, index.html names its chunks as module
 * preloads: the browser fetches them alongside the entry, and the calls go out alongside them.
 */
function preloadApp(): Plugin {
  return {
    name: 'waiver-preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx): { html: string; tags: HtmlTagDescriptor[] } {
        const chunks = Object.values(ctx.bundle ?? {}).flatMap((c) => (c.type === 'chunk' ? [c] : []));
        const boot = chunks.find((c) => c.facadeModuleId?.endsWith('/src/boot.tsx'));
        if (!boot) throw new Error('web build: no chunk for src/boot.tsx to preload');
        const entry = chunks.find((c) => c.isEntry);
        const entryFile = entry?.fileName;
        const files = [boot.fileName, ...boot.imports].filter((f) => f !== entryFile);
        const tags = [...new Set(files)].map((file): HtmlTagDescriptor => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `/${file}` },
          injectTo: 'head',
        }));
        // async: the entry runs as soon as it arrives, not after the stylesheet (a deferred script waits
        // for the page's styles), so the first page's calls start sooner. It waits for the DOM itself.
        const tag = `<script type="module" crossorigin src="/${entryFile ?? ''}">`;
        if (!entryFile || !html.includes(tag)) throw new Error('web build: no entry script to make async');
        return {
          html: html.replace(tag, `<script type="module" async crossorigin src="/${entryFile}">`),
          tags,
        };
      },
    },
  };
}

/**
 * The web UI, built into dist/web and served by `waiver serve` at `/`. It imports the domain from
 * ../src/domain (pure: it runs in the browser as on the server).
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), preloadApp()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // No inline script or module preload polyfill: the page's CSP allows only its own files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 800,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
