import { describe, expect, it } from 'vitest';
import { exceptionsQuery, firstCalls, firstPaintCalls } from './first-calls';
import { urlOf } from './api/url';
import { href, parseRoute } from './route';

const session = ['/api/v1/me', '/api/v1/settings', '/api/v1/targets'];

describe('firstCalls', () => {
  it('starts the inventory page the pages will ask for, with the filters in the URL, before the session', () => {
    const route = parseRoute(href('/exceptions', { state: 'active', namespace: 'payments', search: 'a b' }));
    expect(firstCalls(route)).toEqual([
      '/api/v1/exceptions?state=active&namespace=payments&search=a+b&limit=50',
      ...session,
    ]);
    // The page asks for exactly this URL for its first page, so the answer started early is the one it takes.
    if (route.page !== 'exceptions') throw new Error('not the inventory');
    expect(urlOf('/api/v1/exceptions', undefined, exceptionsQuery(route.query, undefined))).toBe(
      firstCalls(route)[0],
    );
  });

  it("starts the dashboard's lists", () => {
    expect(firstCalls(parseRoute(''))).toEqual([
      '/api/v1/metrics/summary',
      '/api/v1/exceptions?state=active&expiringWithin=7d&limit=20',
      '/api/v1/review',
      ...session,
    ]);
  });

  it('starts only the session for a page whose calls depend on what the session says', () => {
    expect(firstCalls(parseRoute('#/request'))).toEqual(session);
    expect(firstCalls(parseRoute('#/exceptions/EX-1'))).toEqual(session);
  });

  it('sends first, alone, what the inventory is first drawn from: its page and who is signed in', () => {
    const route = parseRoute(href('/exceptions', { state: 'active' }));
    expect(firstPaintCalls(route)).toEqual(['/api/v1/exceptions?state=active&limit=50', '/api/v1/me']);
    expect(firstPaintCalls(route).every((url) => firstCalls(route).includes(url))).toBe(true);
    expect(firstPaintCalls(parseRoute(''))).toEqual([]);
  });
});
