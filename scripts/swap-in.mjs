// Puts a freshly built tree in place of the one in use without a moment where it is missing or half
// written: a linked `waiver` (or a test that runs dist/cli/bin.js) keeps working while `npm test` or
// `npm run build` rebuilds. Builds go to a staging folder beside the destination (the same file system);
// then its new files (content-hashed chunks, never in use yet) move in, then the files that replace
// others (the entries: bin.js, index.html…), each by one rename, which is atomic; last, what the new build
// no longer has goes.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

/** A fresh, empty staging folder for `dest`, beside it. */
export function stagingFor(dest) {
  mkdirSync(dirname(dest), { recursive: true });
  return mkdtempSync(join(dirname(dest), `.${basename(dest)}-build-`));
}

const filesUnder = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));

/** Moves the tree built in `staged` to `dest` as described above, and removes `staged`. */
export function swapIn(staged, dest) {
  if (!existsSync(dest)) {
    renameSync(staged, dest);
    return;
  }
  const built = filesUnder(staged);
  const move = (file) => {
    const to = join(dest, file);
    mkdirSync(dirname(to), { recursive: true });
    // npm link made the old bin.js executable: the file that replaces it stays so.
    if (existsSync(to)) chmodSync(join(staged, file), statSync(to).mode & 0o7777);
    renameSync(join(staged, file), to);
  };
  const replacing = built.filter((file) => existsSync(join(dest, file)));
  for (const file of built.filter((f) => !replacing.includes(f))) move(file);
  for (const file of replacing) move(file);
  const kept = new Set(built);
  for (const file of filesUnder(dest)) if (!kept.has(file)) rmSync(join(dest, file), { force: true });
  rmSync(staged, { recursive: true, force: true });
}
