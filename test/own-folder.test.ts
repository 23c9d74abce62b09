import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';

const checkout = realpathSync(fileURLToPath(new URL('..', import.meta.url)));
let earlier: string | undefined;

describe('the working folder of a test (test/support/own-folder.ts)', () => {
  it("is a fresh temporary folder, not the checkout, so the defaults that follow it miss the checkout's state", async () => {
    const cwd = realpathSync(process.cwd());
    expect(cwd.startsWith(realpathSync(tmpdir()) + sep)).toBe(true);
    expect(cwd.startsWith(checkout + sep)).toBe(false);
    expect(existsSync('.waiver')).toBe(false);
    const config = await loadConfig({ as: 'ops' }, {});
    expect(config.database).toBe(join(process.cwd(), '.waiver', 'waiver.db'));
    expect(config.server.adminTokenFile).toBe(join(process.cwd(), '.waiver', 'admin-token'));
    mkdirSync('.waiver');
    writeFileSync('.waiver/admin-token', 'left by this test\n');
    earlier = process.cwd();
  });

  it("is another one for the next test: nothing of the last one's is seen", () => {
    expect(earlier).toBeDefined();
    expect(process.cwd()).not.toBe(earlier);
    expect(existsSync('.waiver')).toBe(false);
  });
});
