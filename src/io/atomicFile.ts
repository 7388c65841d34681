import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/**
 * Writes `chunks` to `path` so that a reader (or a crash) sees the old file or the new one,
 * never a mix: temp file in the same directory, fsync, rename, fsync of the directory.
 * `durable: false` skips the fsyncs, for files that only readers (not crashes) must see whole.
 */
export function writeFileAtomic(path: string, chunks: Uint8Array[], options: { durable?: boolean } = {}): void {
  const durable = options.durable ?? true;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd = -1;
  try {
    fd = openSync(temp, 'w', 0o644);
    for (const chunk of chunks) {
      let written = 0;
      while (written < chunk.byteLength) written += writeSync(fd, chunk, written, chunk.byteLength - written);
    }
    if (durable) fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(temp, path);
  } catch (error) {
    if (fd >= 0) closeSync(fd);
    try { unlinkSync(temp); } catch { /* the temp file may not exist */ }
    throw error;
  }
  if (!durable) return;
  try {
    const dirFd = openSync(dirname(path), 'r');
    try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
  } catch { /* some filesystems refuse directory fsync; the rename is still atomic */ }
}

/**
 * The streaming form of writeFileAtomic, for files too large to hold in memory: write chunks,
 * then `commit` (fsync, rename) or `abort` (delete the temp file).
 */
export class AtomicWriter {
  private readonly temp: string;
  private fd: number;

  constructor(readonly path: string) {
    this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
    this.fd = openSync(this.temp, 'w', 0o644);
  }

  write(chunk: Uint8Array): void {
    let written = 0;
    while (written < chunk.byteLength) written += writeSync(this.fd, chunk, written, chunk.byteLength - written);
  }

  commit(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.temp, this.path);
  }

  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    try { unlinkSync(this.temp); } catch { /* already gone */ }
  }
}
