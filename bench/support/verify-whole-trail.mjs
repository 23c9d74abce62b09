// What `waiver audit --verify` did before it walked the trail in pages: read the whole trail for the
// chain, read it again with every row for the row digests. Kept to measure the change side by side.
import { recordDigest, verifyChain } from '../../dist/src/domain/audit.js';
import { sha256 } from '../../dist/src/system/sha256.js';
import { openSqliteStore } from '../../dist/src/store/open-sqlite.js';

const store = await openSqliteStore(process.argv[2]);
const broken = verifyChain(await store.listAudit(), sha256);
const events = await store.listAudit();
const latest = new Map();
for (const e of events) if (e.exceptionId !== null) latest.set(e.exceptionId, e);
let mismatched = 0;
for (const record of await store.listExceptions()) {
  const recorded = latest.get(record.id)?.data.record;
  if (typeof recorded === 'string' && recorded !== recordDigest(record, sha256)) mismatched++;
}
await store.close();
console.log(broken || mismatched ? 'broken' : `intact: ${events.length} events`);
