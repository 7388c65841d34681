import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/**
 * An append-only file that buffers writes and hands them to the OS on `flush` (the
 * coordinator flushes a few times a second), so fast games that end hundreds of episodes a
 * second do not pay a system call each.
 */
export class AppendFile {
  private readonly fd: number;
  private chunks: Uint8Array[] = [];
  private closed = false;

  constructor(readonly path: string, options: { truncate?: boolean } = {}) {
    this.fd = openSync(path, options.truncate ? 'w' : 'a', 0o644);
  }

  write(data: Uint8Array | string): void {
    if (this.closed) throw new Error(`${this.path} is closed`);
    this.chunks.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  flush(sync = false): void {
    if (this.chunks.length > 0) {
      const data = Buffer.concat(this.chunks);
      this.chunks = [];
      let written = 0;
      while (written < data.length) written += writeSync(this.fd, data, written, data.length - written);
    }
    if (sync) fsyncSync(this.fd);
  }

  close(): void {
    if (this.closed) return;
    this.flush(true);
    closeSync(this.fd);
    this.closed = true;
  }
}
