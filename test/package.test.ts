import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { license: string; files: string[] };

describe('the package', () => {
  it('ships its licence, the bundle and the filled-in request template that request -f reads', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync(`${root}/LICENSE`, 'utf8')).toMatch(
      /^\s*Apache License\s+Version 2\.0, January 2004/,
    );
    // npm packs what "files" names (and README, LICENSE, package.json by its own rules).
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/cli', 'examples', 'LICENSE']));
    for (const shipped of [
      'LICENSE',
      'examples/exception-request.yaml',
      'dist/cli/bin.js',
      'dist/cli/lint-worker.js',
    ])
      expect(existsSync(`${root}/${shipped}`), shipped).toBe(true);
  });
});
