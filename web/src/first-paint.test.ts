import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from './app';
import type { Api } from './api/client';
import { SessionContext, type Session } from './auth/session';
import { firstPaintHtml, type FirstPaintInput } from './first-paint';
import { parseRoute } from './route';

const NOW = Date.parse('2026-12-07T03:00:00Z');

const item = (n: number, over: Partial<FirstPaintInput['page']['items'][number]> = {}) => ({
  id: `EX-${n}`,
  name: `payments-svc-${n}`,
  state: 'active',
  endReason: null,
  namespaces: ['payments', 'billing'],
  policy: 'require-signed-images',
  category: 'legacy-migration',
  expiresAt: '2026-12-27T03:04:05Z',
  syncStatus: 'synced',
  target: 'gitops',
  ...over,
});

/** The page as React renders it for the same data: the app signed in, the inventory's answer arrived. */
function reactHtml(input: FirstPaintInput, hash: string): string {
  const api = {
    arrived: () => input.page,
    get: () => new Promise(() => undefined),
  } as unknown as Api;
  const session = {
    api,
    me: input.me,
    settings: {},
    targets: [],
    can: (...roles: string[]) =>
      input.me.roles.includes('admin') || roles.some((r) => input.me.roles.includes(r)),
    signOut: () => undefined,
  } as unknown as Session;
  vi.stubGlobal('window', { location: { hash }, addEventListener: () => undefined });
  return renderToStaticMarkup(createElement(SessionContext.Provider, { value: session }, createElement(App)));
}

const both = (hash: string, me: FirstPaintInput['me'], page: FirstPaintInput['page']) => {
  const route = parseRoute(hash);
  if (route.page !== 'exceptions') throw new Error('not the inventory');
  const input = { me, route, page, now: NOW };
  return { first: firstPaintHtml(input), react: reactHtml(input, hash) };
};

describe('the inventory drawn before React', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('is the markup React renders for the same page, rows, filters and user', () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const page = {
      items: [
        item(1),
        item(2, { state: 'removed', endReason: 'revoked <by> "carol" & co' }),
        item(3, { state: 'pending', expiresAt: null, syncStatus: 'not-applied' }),
        item(4, { expiresAt: '2026-12-07T02:00:00Z', name: "o'brien" }),
      ],
      continue: 'next-token',
    };
    for (const [hash, roles] of [
      ['#/exceptions', ['admin']],
      [
        '#/exceptions?state=active&namespace=payments&search=a%20%3Cb%3E&sort=expiry&category=vendor-image',
        ['requester'],
      ],
      ['#/exceptions?state=bogus&expiringWithin=7d&policy=p', ['auditor', 'approver']],
    ] as const) {
      const { first, react } = both(hash, { name: 'alice', roles }, page);
      expect(first, hash).toBe(react);
    }
  });

  it('is the same on the last page, and leaves an empty page to React', () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const { first, react } = both('#/exceptions', { name: 'bob', roles: ['applier'] }, { items: [item(9)] });
    expect(first).toBe(react);
    expect(both('#/exceptions', { name: 'bob', roles: ['applier'] }, { items: [] }).first).toBeUndefined();
  });
});
