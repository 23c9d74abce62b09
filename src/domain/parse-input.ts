import type { z } from 'zod';
import { WaiverError } from './errors.js';

/**
 * Validates input at the boundary; every problem is named by its field. `source` (a file, say) is added
 * to each message.
 */
/** A map's key that breaks its rule says which rule ("must be a DNS-1123 label"), not "Invalid key". */
const innerMessage = (issue: z.core.$ZodIssue): string | undefined =>
  issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, source?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => {
    const message = innerMessage(i) ?? i.message;
    return {
      code: i.code,
      field: i.path.join('.') || 'input',
      message: source ? `${message} (in ${source})` : message,
    };
  });
  throw WaiverError.fromIssues('usage', issues);
}
