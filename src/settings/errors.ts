/** Thrown for a bad setting or flag value: the CLI prints the message alone, on one line, and exits 2. */
export class UsageError extends Error {}
