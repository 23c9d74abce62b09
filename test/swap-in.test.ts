import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stagingFor, swapIn } from '../scripts/swap-in.mjs';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();

const write = (dir: string, files: Record<string, string>) => {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
};

describe('a bundle swapped in (scripts/swap-in.mjs, what npm test and npm run build rebuild with)', () => {
  it('leaves exactly the new build, keeps the mode npm link gave bin.js, and no staging folder', () => {
    const dist = join(tempDir(), 'dist');
    const dest = join(dist, 'cli');
    write(dest, {
      'bin.js': 'old entry',
      'chunk-OLD.js': 'old',
      'chunk-SAME.js': 'same',
      'sub/x.js': 'gone',
    });
    chmodSync(join(dest, 'bin.js'), 0o755);
    const staged = stagingFor(dest);
    expect(dirname(staged)).toBe(dist);
    write(staged, { 'bin.js': 'new entry', 'chunk-NEW.js': 'new', 'chunk-SAME.js': 'same' });
    swapIn(staged, dest);
    expect(readdirSync(dest, { recursive: true }).sort()).toEqual([
      'bin.js',
      'chunk-NEW.js',
      'chunk-SAME.js',
      'sub',
    ]);
    expect(readFileSync(join(dest, 'bin.js'), 'utf8')).toBe('new entry');
    expect(statSync(join(dest, 'bin.js')).mode & 0o777).toBe(0o755);
    expect(readdirSync(dist)).toEqual(['cli']);
  });

  it('moves the first build in whole', () => {
    const dest = join(tempDir(), 'dist', 'web');
    const staged = stagingFor(dest);
    write(staged, { 'index.html': '<html>', 'assets/index-1.js': 'js' });
    swapIn(staged, dest);
    expect(readFileSync(join(dest, 'assets', 'index-1.js'), 'utf8')).toBe('js');
    expect(existsSync(staged)).toBe(false);
  });
});
