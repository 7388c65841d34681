import { closeSync, constants, fsyncSync, openSync, writeSync } from 'node:fs';

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
    // O_NOFOLLOW: a symbolic link planted in the run directory is refused, not followed to overwrite the file it points at.
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (options.truncate ? constants.O_TRUNC : constants.O_APPEND);
    try {
      this.fd = openSync(path, flags, 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new Error(`${path} is a symbolic link: a3c writes its metrics only to a file of its own (remove the link)`);
      throw error;
    }
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
