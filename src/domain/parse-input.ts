import type { z } from 'zod';
import { WaiverError } from './errors.js';
import { check } from './issue-wording.js';

/**
 * Validates input at the boundary; every problem is named by its field and said in words
 * (issue-wording.ts). `source` (a file, say) is added to each message; `once`: see `check`.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  source?: string,
  once = false,
): z.infer<S> {
  const result = check(schema, value, source, once);
  if (result.ok) return result.data;
  throw WaiverError.fromIssues('usage', result.issues);
}
