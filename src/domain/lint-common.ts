import { error, warning, type ExceptionLintRule } from './lint-finding.js';
import { requiredAnnotations, type ExceptionManifest } from './manifest.js';

/** The lint rules both kinds of PolicyException share. */
/** Where Kyverno reads exceptions from: the same for both kinds (issue #17367 guarded the CEL one too). */
export const exceptionNamespace: ExceptionLintRule<ExceptionManifest> = ({ manifest, settings }) => {
  const ns = manifest.metadata.namespace;
  const read = settings.kyvernoExceptionNamespace ?? settings.exceptionNamespace;
  if (ns === settings.kyvernoNamespace)
    return [
      error(
        'namespace-kyverno',
        `"${ns}" is Kyverno's own namespace: its webhooks skip it, so guard policies never see the exception`,
      ),
    ];
  if (read === '*')
    return [
      warning(
        'namespace-any',
        'Kyverno reads exceptions from every namespace (exceptionNamespace "*"): whoever may create a PolicyException in any namespace can bypass a policy. Not recommended: give Kyverno one namespace and guard it',
      ),
    ];
  if (ns === undefined)
    return [
      warning('namespace-unset', `no metadata.namespace: Kyverno reads exceptions only from "${read}"`),
    ];
  return ns === read
    ? []
    : [error('namespace-ignored', `Kyverno reads exceptions only from "${read}"; in "${ns}" it is ignored`)];
};

export const annotations: ExceptionLintRule<ExceptionManifest> = ({ manifest }) =>
  requiredAnnotations
    .filter((a) => !manifest.metadata.annotations?.[a]?.trim())
    .map((a) => error('annotation-missing', `annotation "${a}" is missing or empty`));
