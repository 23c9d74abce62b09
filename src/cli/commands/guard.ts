import { unambiguousYaml } from '../../domain/yaml-text.js';
import { WaiverError } from '../../domain/errors.js';
import { defaultGuardOptions, renderGuard } from '../../domain/guard.js';
import type { CliContext } from '../context.js';

export interface GuardFlags {
  serviceAccount?: string;
  cleanupServiceAccount?: string;
}

const SERVICE_ACCOUNT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function serviceAccount(value: string | undefined, flag: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (!SERVICE_ACCOUNT.test(value))
    throw new WaiverError('usage', `--${flag}: "${value}" is not namespace:name of a ServiceAccount`, flag);
  return value;
}

/**
 * `waiver guard`: the ValidatingAdmissionPolicy and binding that refuse PolicyException writes by anyone
 * but Waiver and Kyverno's cleanup controller, as YAML for `kubectl apply -f -` (or the chart's
 * `guard.enabled`).
 */
export async function run(ctx: CliContext, flags: GuardFlags): Promise<void> {
  const defaults = defaultGuardOptions((await ctx.config()).settings);
  const documents = renderGuard({
    waiverServiceAccount: serviceAccount(
      flags.serviceAccount,
      'service-account',
      defaults.waiverServiceAccount,
    ),
    cleanupServiceAccount: serviceAccount(
      flags.cleanupServiceAccount,
      'cleanup-service-account',
      defaults.cleanupServiceAccount,
    ),
  });
  ctx.out(documents.map((d) => unambiguousYaml(d)).join('---\n'));
}
