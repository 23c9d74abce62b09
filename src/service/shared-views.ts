import { displayState, type ExceptionRecord } from '../domain/exception.js';
import { exceptionView, type ExceptionView } from '../domain/view.js';

/**
 * Views of listed records, kept as long as the record object lives. The store hands out the same
 * frozen record until its row changes, so a page of the inventory is built from views already made;
 * a view is remade when the record changes or its shown state does (active becoming expired).
 */
const views = new WeakMap<ExceptionRecord, ExceptionView>();

export function sharedView(record: ExceptionRecord, nowMs: number): ExceptionView {
  const known = views.get(record);
  if (known && known.state === displayState(record, nowMs)) return known;
  const view = Object.freeze(exceptionView(record, nowMs));
  if (Object.isFrozen(record)) views.set(record, view);
  return view;
}
