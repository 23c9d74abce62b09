import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { ANNOTATIONS, ID_LABEL } from '../../domain/manifest.js';

/**
 * What a commit says about one change: the subject says what and which, the body why (ticket, approver,
 * expiry), the trailers say it to machines (`Waiver-Exception: EX-42`, then that change's
 * `Waiver-Operation`, `Waiver-Ticket`, `Waiver-Approver`, `Waiver-Expires`).
 */
export interface ChangeMessage {
  subject: string;
  body: string[];
  trailers: string[];
}

export interface Facts {
  id: string | undefined;
  ticket: string | undefined;
  approver: string | undefined;
  expires: string | undefined;
}

type Metadata = {
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
};

export function factsOf(metadata: Metadata): Facts {
  const id = metadata.labels?.[ID_LABEL];
  const a = metadata.annotations ?? {};
  return {
    id: id ? (/^EX-/i.test(id) ? id : `EX-${id}`) : undefined,
    ticket: a[ANNOTATIONS.ticket],
    approver: a[ANNOTATIONS.riskAcceptance],
    expires: a[ANNOTATIONS.expiresAt],
  };
}

export function parseMetadata(text: string): Metadata {
  try {
    const doc = parse(text, { maxAliasCount: 10 }) as { metadata?: Metadata } | null;
    return doc?.metadata ?? {};
  } catch {
    return {};
  }
}

/** One line of text from a manifest's fields: a commit message's lines are never split by them. */
const line = (text: string): string => text.replace(/[\r\n]+/g, ' ').slice(0, 200);

/** One change's message (see ChangeMessage). */
export function changeMessage(verb: string, name: string, namespace: string, facts: Facts): ChangeMessage {
  const id = facts.id ?? name;
  const body = [
    facts.ticket && `Ticket: ${line(facts.ticket)}`,
    facts.approver && `Approved by: ${line(facts.approver)}`,
    facts.expires && `Expires: ${line(facts.expires)}`,
  ].filter((l): l is string => Boolean(l));
  const trailers = [
    facts.id && `Waiver-Exception: ${facts.id}`,
    `Waiver-Operation: ${verb}`,
    facts.ticket && `Waiver-Ticket: ${line(facts.ticket)}`,
    facts.approver && `Waiver-Approver: ${line(facts.approver)}`,
    facts.expires && `Waiver-Expires: ${line(facts.expires)}`,
  ].filter((l): l is string => Boolean(l));
  return { subject: `waiver: ${verb} ${id} (${namespace}/${name})`, body, trailers };
}

/**
 * The message of a commit that carries these changes: one change's own; several changes (a batch applied
 * at once) under one subject, each change's lines in the body and its trailers in order, so a reader pairs
 * each `Waiver-Exception` with the lines after it.
 */
export function commitMessage(changes: readonly ChangeMessage[]): string {
  const [only] = changes;
  if (changes.length === 1 && only)
    return [only.subject, '', ...only.body, ...(only.body.length ? [''] : []), ...only.trailers].join('\n');
  const subjects = changes.map((c) => c.subject.replace(/^waiver: /, ''));
  return [
    `waiver: ${changes.length} changes`,
    '',
    ...subjects.map((s) => `- ${s}`),
    '',
    ...changes.flatMap((c) => c.trailers),
  ].join('\n');
}

export const slugOf = (id: string, verb: string, content: string): string =>
  `${id.toLowerCase()}-${verb}-${createHash('sha256').update(content).digest('hex').slice(0, 10)}`;
