import { describe, expect, it } from 'vitest';
import { isCurrent, migrationOrder, migrations } from './migrations.js';

describe('the migrations a database has run', () => {
  const names = Object.keys(migrations('sqlite'));

  it('are current only when they are exactly the known ones, in any order', () => {
    expect(isCurrent([...names].reverse(), 'sqlite')).toBe(true);
    expect(isCurrent(undefined, 'sqlite')).toBe(false);
    expect(isCurrent([], 'sqlite')).toBe(false);
    expect(isCurrent(names.slice(0, -1), 'sqlite')).toBe(false);
    // A migration this build does not know (a newer version ran here): the migrator decides.
    expect(isCurrent([...names.slice(0, -1), '9999-from-the-future'], 'sqlite')).toBe(false);
    expect(isCurrent([...names, '9999-from-the-future'], 'sqlite')).toBe(false);
  });

  it('run in the order the locale-aware comparison gave them', () => {
    const shuffled = [...names].reverse();
    expect([...shuffled].sort(migrationOrder)).toEqual([...shuffled].sort((a, b) => a.localeCompare(b)));
  });
});
