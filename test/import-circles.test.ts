import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCircles } from '../scripts/import-circles.mjs';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();

const write = (dir: string, files: Record<string, string>) => {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
};

describe('import circles', () => {
  it('src/ has none', () => {
    expect(importCircles(fileURLToPath(new URL('../src', import.meta.url)))).toEqual([]);
  });

  it('finds a circle through type imports, re-exports and lazy imports, and only the modules in it', () => {
    const dir = tempDir();
    write(dir, {
      'a/ports.ts': "import type { Report } from '../b/lint.js';\nexport interface Port { r: Report }\n",
      'b/lint.ts': "export { deps } from './deps.js';\nexport interface Report { n: number }\n",
      'b/deps.ts': "export const deps = async () => (await import('../a/ports.js')) && 1;\n",
      'c/alone.ts': "import type { Port } from '../a/ports.js';\nexport type Alone = Port;\n",
      'd/self.ts': "import { x } from './self.js';\nexport const y = x;\nexport const x = 1;\n",
    });
    expect(importCircles(dir)).toEqual(
      expect.arrayContaining([['a/ports.ts', 'b/deps.ts', 'b/lint.ts'], ['d/self.ts']]),
    );
    expect(importCircles(dir)).toHaveLength(2);
  });
});
