import { open } from 'node:fs/promises';

/** What a MetricsTail hands its owner. */
export interface TailListener {
  /** One complete line, in file order. */
  line(line: string): void;
  /** The file was replaced or shortened (a resume rewrites it): what came before is void. */
  reset(): void;
}

const CHUNK_BYTES = 1 << 20;
/** A "line" longer than this is not one of ours: it is dropped instead of held. */
const MAX_LINE_BYTES = 1 << 20;

/**
 * Follows a growing JSON-lines file: each catch-up reads only the bytes added since the last
 * one, 1 MB per read and asynchronously, so a 200 MB metrics.jsonl costs one pass in the
 * server's life, not one per request, and requests are served between the reads.
 * Callers that ask while a catch-up runs share it instead of starting another.
 */
export class MetricsTail {
  private offset = 0;
  private inode: number | null = null;
  /** Bytes after the last newline: a line still being written, or cut inside a UTF-8 character. */
  private carry: Buffer = Buffer.alloc(0);
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly path: string, private readonly listener: TailListener) {}

  /** Reads to the file's current end; resolves when the lines read so far have been handed over. */
  catchUp(): Promise<void> {
    return this.running ??= this.readNewBytes().finally(() => { this.running = null; });
  }

  /** Ends a catch-up under way after its current read, and makes later ones do nothing. */
  stop(): void {
    this.stopped = true;
  }

  private async readNewBytes(): Promise<void> {
    if (this.stopped) return;
    let file;
    try {
      file = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (this.inode !== null) this.restart(null); // deleted: nothing to show until it comes back
      return;
    }
    try {
      const { size, ino } = await file.stat();
      if (ino !== this.inode || size < this.offset) this.restart(ino);
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      while (this.offset < size && !this.stopped) {
        const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK_BYTES, size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.split(buffer.subarray(0, bytesRead));
      }
    } finally {
      await file.close();
    }
  }

  private restart(inode: number | null): void {
    const hadData = this.inode !== null;
    this.inode = inode;
    this.offset = 0;
    this.carry = Buffer.alloc(0);
    if (hadData) this.listener.reset();
  }

  private split(bytes: Buffer): void {
    const end = bytes.lastIndexOf(10);
    if (end < 0) {
      this.carry = this.carry.length + bytes.length > MAX_LINE_BYTES ? Buffer.alloc(0) : Buffer.concat([this.carry, bytes]);
      return;
    }
    const text = Buffer.concat([this.carry, bytes.subarray(0, end)]).toString('utf8');
    this.carry = Buffer.from(bytes.subarray(end + 1));
    for (const line of text.split('\n')) if (line) this.listener.line(line);
  }
}
