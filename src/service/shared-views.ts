import { Buffer } from 'node:buffer';
import { displayState, type ExceptionRecord } from '../domain/exception.js';
import { redactSyncError, type Redact } from '../domain/redact.js';
import { exceptionView, type ExceptionView } from '../domain/view.js';

/**
 * Views of listed records, kept as long as the record object lives. The store hands out the same
 * frozen record until its row changes, so a page of the inventory is built from views already made;
 * a view is remade when the record changes or its shown state does (active becoming expired). One per
 * process's service deps (the composition root makes it): the views are of that store's records, masked
 * by that process's redactor.
 */
export class SharedViews {
  private readonly views = new WeakMap<ExceptionRecord, ExceptionView>();

  /** `redact` is the deps' own: one instance serves one process's deps, so it is always the same. */
  view(record: ExceptionRecord, nowMs: number, redact: Redact): ExceptionView {
    const known = this.views.get(record);
    if (known && known.state === displayState(record, nowMs)) return known;
    // A sync error is what a target said: masked once here, not on every page.
    const view = Object.freeze(redactSyncError(exceptionView(record, nowMs), redact));
    if (Object.isFrozen(record)) this.views.set(record, view);
    return view;
  }
}

/**
 * Shared views as JSON, made once per view: a page of the inventory joins texts already made. Module
 * state, and safe to share (decision 0009): keyed by the frozen view object itself, it memoises
 * JSON.stringify of it, and an entry goes with its view.
 */
const texts = new WeakMap<ExceptionView, { json: string; bytes: number }>();

function textOf(view: ExceptionView): { json: string; bytes: number } {
  let text = texts.get(view);
  if (text === undefined) {
    const json = JSON.stringify(view);
    text = { json, bytes: Buffer.byteLength(json) };
    if (Object.isFrozen(view)) texts.set(view, text);
  }
  return text;
}

/** A view as JSON, equal to JSON.stringify(view). */
export const viewJson = (view: ExceptionView): string => textOf(view).json;

/** The bytes of a view's JSON (UTF-8), which a page's byte ceiling counts. */
export const viewBytes = (view: ExceptionView): number => textOf(view).bytes;
