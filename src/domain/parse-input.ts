import type { z } from 'zod';
import { WaiverError } from './errors.js';

/**
 * Validates input at the boundary; every problem is named by its field. `source` (a file, say) is added
 * to each message.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, source?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    code: i.code,
    field: i.path.join('.') || 'input',
    message: source ? `${i.message} (in ${source})` : i.message,
  }));
  throw WaiverError.fromIssues('usage', issues);
}
