import { WaiverError } from '../domain/errors.js';
import { isLive, parseIdRef, type ExceptionRecord } from '../domain/exception.js';
import type { StoreReader } from './ports/store.js';

/** Finds an exception by `EX-42`, `42` or name; by name, the live one wins, else the newest. */
export async function resolveException(store: StoreReader, ref: string): Promise<ExceptionRecord> {
  const id = parseIdRef(ref);
  const found = id !== undefined ? await store.getException(id) : pickByName(await store.findByName(ref));
  if (!found)
    throw new WaiverError('not_found', `no exception "${ref}" (use an id such as EX-42, or a name)`, 'id');
  return found;
}

const pickByName = (records: ExceptionRecord[]): ExceptionRecord | undefined =>
  records.find(isLive) ?? records[0];
