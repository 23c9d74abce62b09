import {
  draftExemptions,
  draftRequest,
  draftScope,
  type RequestFields,
} from '../../src/domain/draft-request';
import type { Exemptions } from '../../src/domain/exemptions';
import { isWaiverError, type Issue } from '../../src/domain/errors';
import type { ApiVersion, ExceptionScope } from '../../src/domain/exception';
import { checkRequest } from '../../src/domain/guardrails';
import { newRequest } from '../../src/domain/new-request';
import { manifestToYaml, renderManifest } from '../../src/domain/render';
import type { ProcessSettings } from '../../src/domain/settings';
import { toRfc3339 } from '../../src/domain/time';

export interface RequestCheck {
  /** Every rule the request breaks now, by field: the server's own guardrails, run here. */
  issues: Issue[];
  /** The PolicyException it would become once approved and applied. */
  preview: string | undefined;
  /** What it would except, as the server drafts it: autogen rules, Jobs and Pods added for controllers. */
  scope: ExceptionScope;
  apiVersion: ApiVersion;
  /** What it exempts inside its scope, as the record will keep it. */
  exemptions: Exemptions;
}

/** Checks a request as the server will, and renders what Kyverno would read. */
export function checkRequestFields(
  fields: RequestFields,
  settings: ProcessSettings,
  requestor: string,
  nowMs: number,
): RequestCheck {
  let drafted: ReturnType<typeof draftRequest>;
  try {
    drafted = draftRequest(fields, settings, nowMs);
  } catch (e) {
    if (!isWaiverError(e)) throw e;
    return {
      issues: [{ code: e.code, field: e.field ?? 'expires', message: e.message }],
      preview: undefined,
      scope: draftScope(fields, settings),
      apiVersion: fields.apiVersion ?? settings.apiVersion,
      exemptions: draftExemptions(fields),
    };
  }
  const { scope, justification, apiVersion, exemptions } = drafted;
  const issues = checkRequest({ scope, justification, nowMs, settings, apiVersion, exemptions });
  // The manifest does not depend on the target: the server's default stands in for it.
  const { record } = newRequest({
    scope,
    justification,
    requestor,
    now: toRfc3339(nowMs),
    apiVersion,
    target: '',
    exemptions,
  });
  const preview = manifestToYaml(renderManifest({ ...record, id: 0, version: 1 }, settings));
  return { issues, preview, scope, apiVersion, exemptions };
}

/** A comma- or space-separated list as the form takes it. */
export const listOf = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
