import { describe, expect, it } from 'vitest';
import { openFailure } from './open-sqlite.js';

describe('opening SQLite', () => {
  it('says how to rebuild better-sqlite3 when it was built for another Node.js, in one line', () => {
    // Node's own message, as it reads after switching from Node.js 24 to 20.
    const error = Object.assign(
      new Error(
        "The module '/srv/waiver/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
          'was compiled against a different Node.js version using\n' +
          'NODE_MODULE_VERSION 137. This version of Node.js requires\n' +
          'NODE_MODULE_VERSION 115. Please try re-compiling or re-installing\n' +
          'the module (for instance, using `npm rebuild` or `npm install`).',
      ),
      { code: 'ERR_DLOPEN_FAILED' },
    );
    const said = openFailure(error);
    expect(said).toBe(
      `better-sqlite3 was built for another Node.js (module version 137; Node.js ${process.version} needs 115): run \`npm rebuild better-sqlite3\` where Waiver is installed`,
    );
    expect(said).not.toContain('\n');
  });

  it('passes any other failure on as it is', () => {
    expect(openFailure(new Error('unable to open database file'))).toBe('unable to open database file');
  });
});
