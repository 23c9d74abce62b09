import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The web UI, built into dist/web and served by `waiver serve` at `/`. It imports the domain from
 * ../src/domain (pure: it runs in the browser as on the server).
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
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
