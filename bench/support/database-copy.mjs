import { closeSync, copyFileSync, fsyncSync, openSync } from 'node:fs';

/**
 * A copy of a seeded database, on disk before the clock starts: a run's first fsync would otherwise
 * flush the copy too. Runs compared side by side each start from their own copy.
 */
export function databaseCopy(seeded, path) {
  copyFileSync(seeded, path);
  const fd = openSync(path, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  return path;
}
