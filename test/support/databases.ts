import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach } from 'vitest';
import type { ExceptionStore } from '../../src/service/ports/store.js';
import { openStore } from '../../src/wire/deps.js';
import { MemoryStore, memoryServer, type MemoryServer } from './memory-store.js';
import { useTempDir } from './temp.js';

/** A PostgreSQL server for the tests: a role that may create databases. `.ci/run` sets it. */
export const postgresUrl = process.env['WAIVER_TEST_DATABASE_URL'];

export const postgresSkipNote =
  'PostgreSQL tests skipped: set WAIVER_TEST_DATABASE_URL=postgres://user:password@127.0.0.1:5432/db ' +
  '(a role with CREATEDB) to run them; .ci/run installs and starts PostgreSQL and sets it.';
if (!postgresUrl) console.warn(postgresSkipNote);

export interface TestDatabase {
  /** A fresh, empty database: a SQLite file path or a postgres:// URL. */
  fresh(): Promise<string>;
  /** Runs raw SQL behind the store's back (to tamper with it, say). */
  exec(database: string, statement: string): Promise<void>;
}

function sqliteDatabases(): TestDatabase {
  const tempDir = useTempDir();
  return {
    fresh: () => Promise.resolve(join(tempDir(), 'waiver.db')),
    exec: (path, statement) => {
      const db = new BetterSqlite3(path);
      try {
        db.exec(statement);
      } finally {
        db.close();
      }
      return Promise.resolve();
    },
  };
}

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops a test database. PostgreSQL's own background workers (autovacuum) may be connected to it for a
 * moment, which `with (force)` may not end for another role: try again briefly, then leave it behind
 * rather than fail a test that passed.
 */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withClient(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
      return;
    } catch (e) {
      if (attempt >= 20) {
        console.warn(`could not drop the test database ${name}: ${String(e)}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Each test gets a database of its own on the server, dropped afterwards. */
function postgresDatabases(adminUrl: string): TestDatabase {
  const made: string[] = [];
  afterEach(async () => {
    for (const name of made.splice(0)) await dropDatabase(adminUrl, name);
  });
  return {
    fresh: async () => {
      const name = `waiver_test_${randomBytes(6).toString('hex')}`;
      await withClient(adminUrl, (c) => c.query(`create database ${name}`));
      made.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    exec: (url, statement) => withClient(url, (c) => c.query(statement)).then(() => undefined),
  };
}

/** The SQL backends the server runs on; PostgreSQL only where a server is configured. */
export const backends = [
  { name: 'SQLite', enabled: true, databases: sqliteDatabases },
  {
    name: 'PostgreSQL',
    enabled: postgresUrl !== undefined,
    databases: () => postgresDatabases(postgresUrl ?? ''),
  },
] as const;

/** A store the contract suite opens, reopens (as another process would) and tampers with. */
export interface StoreBackend {
  name: string;
  enabled: boolean;
  /** Per test file: hands out fresh databases. */
  databases: () => {
    fresh: () => Promise<string>;
    open: (database: string) => Promise<ExceptionStore>;
    /** Changes an audit event's actor behind the store's back. */
    tamperAuditActor: (database: string, seq: number, actor: string) => Promise<void>;
  };
}

const sqlBackend = (b: (typeof backends)[number]): StoreBackend => ({
  name: b.name,
  enabled: b.enabled,
  databases: () => {
    const dbs = b.databases();
    return {
      fresh: () => dbs.fresh(),
      open: (database) => openStore(database),
      tamperAuditActor: (database, seq, actor) =>
        dbs.exec(database, `update audit_events set actor = '${actor}' where seq = ${seq}`),
    };
  },
});

const memoryBackend: StoreBackend = {
  name: 'memory',
  enabled: true,
  databases: () => {
    const servers = new Map<string, MemoryServer>();
    return {
      fresh: () => {
        const name = `memory-${servers.size + 1}`;
        servers.set(name, memoryServer());
        return Promise.resolve(name);
      },
      open: (name) => Promise.resolve(new MemoryStore(servers.get(name))),
      tamperAuditActor: (name, seq, actor) => {
        const event = servers.get(name)?.db.audit.find((e) => e.seq === seq);
        if (event) event.actor = actor;
        return Promise.resolve();
      },
    };
  },
};

/** Every store the contract suite holds to: the two real databases and the fast tier's memory store. */
export const storeBackends: StoreBackend[] = [...backends.map(sqlBackend), memoryBackend];
