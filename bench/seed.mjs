// Seeds a database with `count` active exceptions through the real store, as the CLI would leave them.
import { openSqliteStore } from '../dist/src/store/open-sqlite.js';

export async function seed(path, count, nowMs) {
  const store = await openSqliteStore(path);
  const day = 86_400_000;
  await store.transaction(async (tx) => {
    for (let i = 0; i < count; i++) {
      const at = new Date(nowMs - (i % 20) * day).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await tx.insertException({
        name: `app-${i}`,
        policy: 'require-image-signature',
        rules: ['check-image-signature'],
        kinds: ['Pod'],
        namespaces: [`team-${i % 50}`],
        names: [`app-${i}-*`],
        category: 'legacy-migration',
        ticket: `MIG-${i}`,
        reason: 'Legacy images move to the signed pipeline during the migration',
        riskAssessment: null,
        expiresAt: new Date(nowMs + ((i % 30) + 1) * day).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        state: 'active',
        endReason: null,
        syncStatus: 'synced',
        syncError: null,
        requestor: 'alice',
        approver: 'bob',
        applier: 'carol',
        requestedAt: at,
        approvedAt: at,
        appliedAt: at,
        removedAt: null,
        remindedAt: null,
        escalatedAt: null,
        renewalOf: null,
        renewalCount: 0,
        apiVersion: 'kyverno.io/v2',
      });
    }
  });
  return store;
}
