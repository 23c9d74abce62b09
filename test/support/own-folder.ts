import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach } from 'vitest';

/**
 * Every test file, and every test in it, runs in a working folder of its own (a setup file of both tiers):
 * what a default relative to the working folder reads or writes (`./.waiver/waiver.db`,
 * `./.waiver/admin-token`, `./policy-exceptions`, `.waiver/git/NAME`) lands there, never in the checkout,
 * where the Quick start and `npm start` leave their own.
 */
const checkout = process.cwd();
const fresh = () => mkdtempSync(join(tmpdir(), 'waiver-cwd-'));
const forFile = fresh();
process.chdir(forFile);
let forTest: string | undefined;

beforeEach(() => {
  forTest = fresh();
  process.chdir(forTest);
});
afterEach(() => {
  process.chdir(forFile);
  if (forTest) rmSync(forTest, { recursive: true, force: true });
  forTest = undefined;
});
afterAll(() => {
  process.chdir(checkout);
  rmSync(forFile, { recursive: true, force: true });
});
