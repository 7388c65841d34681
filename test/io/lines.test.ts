import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachLine, forEachRecord } from '../../src/io/lines.js';

test('forEachLine streams lines across 1 MB reads, multi-byte characters and a last line without newline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-lines-'));
  // ~3 MB of lines of varying length with multi-byte characters, so reads split lines and characters.
  const lines = Array.from({ length: 40_000 }, (_, i) => `${i} ${'é€'.repeat(i % 37)} ${'x'.repeat(i % 101)}`);
  const path = join(dir, 'big.txt');
  writeFileSync(path, lines.join('\n'));
  const seen: string[] = [];
  forEachLine(path, (l) => seen.push(l));
  assert.equal(seen.length, lines.length);
  assert.deepEqual(seen, lines);
});

test('forEachRecord skips torn and foreign lines', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'a3c-records-')), 'metrics.jsonl');
  writeFileSync(path, '{"step":1,"return":2}\nnot json\n{"other":true}\n{"step":5,"return":1}\n{"step":9,"ret');
  const steps: number[] = [];
  forEachRecord(path, (r) => steps.push(r.step));
  assert.deepEqual(steps, [1, 5]);
});
