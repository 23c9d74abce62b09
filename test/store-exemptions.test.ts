import { describe, expect, it } from 'vitest';
import { recordDigest } from '../src/domain/audit.js';
import type { Exemptions } from '../src/domain/exemptions.js';
import { sha256 } from '../src/system/sha256.js';
import { openStore } from '../src/wire/deps.js';
import { backends, storeBackends } from './support/databases.js';
import { activeRecord } from './support/records.js';

const { id: _id, version: _version, ...newRecord } = activeRecord();

const pss: Exemptions = {
  podSecurity: [
    {
      controlName: 'Capabilities',
      images: ['registry.example/legacy/proxy:1', 'registry.example/legacy/*'],
      restrictedField: 'spec.containers[*].securityContext.capabilities.add',
      values: ['NET_ADMIN'],
    },
    { controlName: 'Host Namespaces', images: [], restrictedField: null, values: [] },
  ],
  images: [],
  allowedValues: [],
};
const cel: Exemptions = {
  podSecurity: [],
  images: ['vendor.example/agent:3'],
  allowedValues: ['team-a', 'ünïcode'],
};

describe.each(storeBackends)('exemptions in the $name store', ({ enabled, databases }) => {
  if (!enabled) return it.skip('needs WAIVER_TEST_DATABASE_URL');
  const db = databases();
  const open = async () => db.open(await db.fresh());

  it('round-trips podSecurity entries field by field, and CEL images and allowedValues', async () => {
    const store = await open();
    const a = await store.transaction((tx) => tx.insertException({ ...newRecord, ...pss }));
    const b = await store.transaction((tx) =>
      tx.insertException({
        ...newRecord,
        name: 'vendor-agent',
        apiVersion: 'policies.kyverno.io/v1',
        ...cel,
      }),
    );
    const none = await store.transaction((tx) => tx.insertException({ ...newRecord, name: 'plain' }));
    expect(await store.getException(a.id)).toMatchObject(pss);
    expect(await store.getException(b.id)).toMatchObject(cel);
    expect(await store.getException(none.id)).toMatchObject({
      podSecurity: [],
      images: [],
      allowedValues: [],
    });
    // An update keeps them, and can change them.
    const changed = await store.transaction((tx) =>
      tx.updateException({ ...a, reason: `${a.reason} (amended)`, podSecurity: pss.podSecurity.slice(0, 1) }),
    );
    expect((await store.getException(a.id))?.podSecurity).toEqual(pss.podSecurity.slice(0, 1));
    expect(changed.podSecurity).toEqual(pss.podSecurity.slice(0, 1));
    expect((await store.listExceptions()).map((r) => r.images)).toEqual([[], cel.images, []]);
    await store.close();
  });
});

describe('the digest of a record', () => {
  it('leaves out empty exemptions, so rows bound before migration 0016 keep their digest', () => {
    const { podSecurity: _p, images: _i, allowedValues: _a, ...before } = activeRecord();
    expect(recordDigest(activeRecord(), sha256)).toBe(recordDigest(before, sha256));
    expect(recordDigest({ ...activeRecord(), ...pss }, sha256)).not.toBe(recordDigest(before, sha256));
  });
});

describe.each(backends)('migration 0016 on $name', ({ enabled, databases }) => {
  if (!enabled) return it.skip('needs WAIVER_TEST_DATABASE_URL');
  const db = databases();

  it('adds the column to a database at 0012, its rows reading as exempting the whole rule, and runs again safely', async () => {
    const database = await db.fresh();
    const store = await openStore(database);
    const saved = await store.transaction((tx) => tx.insertException(newRecord));
    await store.close();
    await db.exec(
      database,
      "alter table exceptions drop column exemptions; delete from kysely_migration where name >= '0016-'",
    );
    const upgraded = await openStore(database);
    expect(await upgraded.getException(saved.id)).toEqual(saved);
    await upgraded.transaction((tx) => tx.updateException({ ...saved, ...pss }));
    await upgraded.close();
    // Run again, as after a crash before it was recorded: the column is there, and kept.
    await db.exec(database, "delete from kysely_migration where name >= '0016-'");
    const again = await openStore(database);
    expect((await again.getException(saved.id))?.podSecurity).toEqual(pss.podSecurity);
    await again.close();
  });
});
