import { StrictMode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { SessionProvider } from './auth/session';

/** React and the app, loaded beside the first page's calls (main.tsx starts those); rendered on return. */
export function boot(root: HTMLElement): void {
  const app = createRoot(root);
  // Rendered before this returns: what the page drawn before React showed can be put back at once (main.tsx).
  flushSync(() =>
    app.render(
      <StrictMode>
        <SessionProvider>
          <App />
        </SessionProvider>
      </StrictMode>,
    ),
  );
}
