import { z } from 'zod';

/**
 * How a flag's text becomes a value, strictly: decimal notation only (no hex, no binary, no
 * empty string, no "Infinity"), so `--workers 0x10` or `--seed ''` is refused, not guessed at.
 * The value is then checked by the setting's own schema, the same one config.json is read with.
 */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A number written in decimal notation (`12`, `-0.5`, `1e-4`); anything else is returned as is, for the schema to refuse. */
export function numberFromText(text: string): unknown {
  return DECIMAL.test(text.trim()) ? Number(text) : text;
}

/** `none` (the documented way to switch a value off) becomes null; the rest as `numberFromText`. */
export function numberOrNoneFromText(text: string): unknown {
  return text === 'none' ? null : numberFromText(text);
}

/** `true`/`false` as booleans; anything else is returned as is, for the schema to refuse. */
export function booleanFromText(text: string): unknown {
  return text === 'true' ? true : text === 'false' ? false : text;
}

/** An integer in [min, max], with the bounds in the message. */
export function integerIn(min: number, max: number): z.ZodNumber {
  return z.number({ error: `expected an integer in ${min}..${max}` }).int(`expected an integer in ${min}..${max}`)
    .min(min, `expected an integer in ${min}..${max}`).max(max, `expected an integer in ${min}..${max}`);
}

/** A finite number in [min, max] (or (min, max] with `exclusiveMin`). */
export function numberIn(min: number, max: number, options: { exclusiveMin?: boolean; exclusiveMax?: boolean } = {}): z.ZodNumber {
  const range = `${options.exclusiveMin ? '(' : '['}${min}, ${max}${options.exclusiveMax ? ')' : ']'}`;
  const message = `expected a number in ${range}`;
  let schema = z.number({ error: message });
  schema = options.exclusiveMin ? schema.gt(min, message) : schema.min(min, message);
  schema = options.exclusiveMax ? schema.lt(max, message) : schema.max(max, message);
  return schema;
}

/** Seeds are 32-bit: 2^32 and above are refused rather than wrapped onto seed 0. */
export const SEED_LIMIT = 2 ** 32;
export const seedSchema = integerIn(0, SEED_LIMIT - 1);

/** A flag's text read strictly as a number (see `numberFromText`), then checked by `schema`. */
export function fromDecimalText<S extends z.ZodType>(schema: S) {
  return z.preprocess((value) => (typeof value === 'string' ? numberFromText(value) : value), schema);
}
