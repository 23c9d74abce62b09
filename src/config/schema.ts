import { z } from 'zod';
import { apiVersions, categories } from '../domain/exception.js';

const positiveDays = z.number().positive().max(3650);
const label = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label')
  .max(63);

/** `waiver.yaml`: every key optional; what is absent takes the process document's default. */
export const ConfigFileSchema = z.strictObject({
  database: z.string().min(1).optional(),
  targetDir: z.string().min(1).optional(),
  exceptionNamespace: label.optional(),
  kyvernoNamespace: label.optional(),
  apiVersion: z.enum(apiVersions).optional(),
  defaultPolicy: z.string().min(1).optional(),
  defaultRules: z.array(z.string().min(1)).min(1).optional(),
  maxDays: positiveDays.optional(),
  maxDaysByCategory: z.partialRecord(z.enum(categories), positiveDays).optional(),
  reminderDays: positiveDays.optional(),
  minReasonLength: z.number().int().min(1).optional(),
  minNamePrefix: z.number().int().min(1).optional(),
  ticketPattern: z
    .string()
    .refine((p) => {
      try {
        new RegExp(p);
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression')
    .optional(),
  incidentTicketPrefixes: z.array(z.string().min(1)).optional(),
  invalidReasons: z
    .array(
      z.strictObject({
        phrase: z.string().min(1),
        rule: z.string().min(1),
        allowedFor: z.array(z.enum(categories)).optional(),
      }),
    )
    .optional(),
  protectedNamespaces: z.array(z.string()).optional(),
  requireDistinctApplier: z.boolean().optional(),
  maxRenewals: z.number().int().min(0).optional(),
  metrics: z
    .strictObject({
      windowDays: positiveDays.optional(),
      targetAverageDays: z.number().positive().optional(),
      targetRenewalRate: z.number().min(0).max(1).optional(),
      targetExpiredRemovedRate: z.number().min(0).max(1).optional(),
      removalGraceMinutes: z.number().positive().optional(),
      trendWeeks: z.number().int().min(2).max(104).optional(),
    })
    .optional(),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;
