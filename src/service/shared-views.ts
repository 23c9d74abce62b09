import { displayState, type ExceptionRecord } from '../domain/exception.js';
import { redactSyncError, type Redact } from '../domain/redact.js';
import { exceptionView, type ExceptionView } from '../domain/view.js';

/**
 * Views of listed records, kept as long as the record object lives. The store hands out the same
 * frozen record until its row changes, so a page of the inventory is built from views already made;
 * a view is remade when the record changes or its shown state does (active becoming expired).
 */
const views = new WeakMap<ExceptionRecord, ExceptionView>();

export function sharedView(record: ExceptionRecord, nowMs: number, redact: Redact): ExceptionView {
  const known = views.get(record);
  if (known && known.state === displayState(record, nowMs)) return known;
  // A sync error is what a target said: masked once here, not on every page.
  const view = Object.freeze(redactSyncError(exceptionView(record, nowMs), redact));
  if (Object.isFrozen(record)) views.set(record, view);
  return view;
}
