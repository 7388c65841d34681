import type { z } from 'zod';
import { UsageError } from '../settings/errors.js';
import { flagOf } from '../settings/table.js';

export { UsageError };

/** `tMax` -> `--t-max`: how a schema key appears on the command line. */
export const flagName = (key: PropertyKey): string => flagOf(String(key));

/** Validates commander's option object with a schema; the first problem becomes a UsageError. */
export function parseFlags<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue.path[0];
  const value = key !== undefined ? raw[key as string] : undefined;
  throw new UsageError(`${key !== undefined ? flagName(key) : 'options'}: ${issue.message}${value !== undefined ? ` (got ${JSON.stringify(value)})` : ''}`);
}
