import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Calls `fn` with each line of a file, reading it 1 MB at a time: metrics files of long CartPole
 * runs grow past the longest string V8 can make (512 MB), so they are never read whole.
 * A last line without a newline (a write cut short) is passed too; callers skip what they
 * cannot parse.
 */
export function forEachLine(path: string, fn: (line: string) => void): void {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    // Bytes after the last newline so far, kept as bytes: a read may end inside a UTF-8 character.
    let carry: Buffer = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      const end = buffer.lastIndexOf(10, n - 1);
      if (end < 0) {
        carry = Buffer.concat([carry, buffer.subarray(0, n)]);
        continue;
      }
      const lines = Buffer.concat([carry, buffer.subarray(0, end)]).toString('utf8').split('\n');
      carry = Buffer.from(buffer.subarray(end + 1, n));
      for (const line of lines) if (line) fn(line);
    }
    if (carry.length > 0) fn(carry.toString('utf8'));
  } finally {
    closeSync(fd);
  }
}

/** One metrics line as an object with a numeric `step`, or null for a torn or foreign line. */
export function parseRecord(line: string): Record<string, number> | null {
  let record: unknown;
  try { record = JSON.parse(line); } catch { return null; }
  return record && typeof (record as { step?: unknown }).step === 'number' ? record as Record<string, number> : null;
}

/** Each parseable JSON object of a JSON-lines file with a numeric `step`, in file order. */
export function forEachRecord(path: string, fn: (record: Record<string, number>) => void): void {
  forEachLine(path, (line) => {
    const record = parseRecord(line);
    if (record) fn(record);
  });
}
