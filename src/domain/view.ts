import { derivedClosure } from './controls.js';
import { displayState, formatId, type ExceptionRecord, type State } from './exception.js';

/** The public shape of an exception: what `get -o json` and the API print. */
export interface ExceptionView extends Omit<ExceptionRecord, 'id' | 'state' | 'renewalOf' | 'version'> {
  id: string;
  state: State;
  renewalOf: string | null;
  escalated: boolean;
}

export function exceptionView(record: ExceptionRecord, nowMs: number): ExceptionView {
  const { id, renewalOf, version: _version, ...rest } = record;
  return {
    id: formatId(id),
    ...rest,
    state: displayState(record, nowMs),
    renewalOf: renewalOf === null ? null : formatId(renewalOf),
    escalated: record.escalatedAt !== null,
    closureReason: record.closureReason ?? derivedClosure(record.endReason, record.escalatedAt !== null),
  };
}
