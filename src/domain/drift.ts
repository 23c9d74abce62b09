import { canonicalJson } from './audit.js';
import { parseIdRef } from './exception.js';
import type { ExceptionManifest } from './manifest.js';
import { ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './manifest.js';

/** What drift detection compares of an object found in the cluster. */
export interface FoundObject {
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  spec: unknown;
}

export interface DriftEntry {
  field: string;
  approved: unknown;
  found: unknown;
}

/**
 * How a found PolicyException differs from the approved one: the whole spec, and every label and
 * annotation Waiver set. Labels or annotations others added are not drift (other tools add them).
 */
export function driftOf(approved: ExceptionManifest, found: FoundObject): DriftEntry[] {
  const entries: DriftEntry[] = [];
  if (canonicalJson(approved.spec) !== canonicalJson(found.spec))
    entries.push({ field: 'spec', approved: approved.spec, found: found.spec ?? null });
  const compare = (kind: 'labels' | 'annotations', wanted: Record<string, string> | undefined): void => {
    for (const [key, value] of Object.entries(wanted ?? {}))
      if (found[kind][key] !== value)
        entries.push({ field: `metadata.${kind}.${key}`, approved: value, found: found[kind][key] ?? null });
  };
  compare('labels', approved.metadata.labels);
  compare('annotations', approved.metadata.annotations);
  return entries;
}

/** Waiver's own: the managed-by label says so. Anything else is unmanaged (rogue). */
export const isManaged = (labels: Readonly<Record<string, string>>): boolean =>
  labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;

/** The exception id a managed object names, if it names one. */
export function managedId(labels: Readonly<Record<string, string>>): number | undefined {
  const value = labels[ID_LABEL];
  return value === undefined ? undefined : parseIdRef(value);
}
