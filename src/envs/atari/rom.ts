import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { GAMES, gameById, gameByMd5, type GameSettings } from './games.js';

/** A user's ROM file, identified by its MD5 as the ALE identifies it. */
export interface Rom {
  path: string;
  bytes: Uint8Array;
  md5: string;
  game: GameSettings;
}

/** Sizes of 2600 cartridge images the emulator's bank-switching schemes accept. */
const VALID_SIZES = [2048, 4096, 8192, 12288, 16384, 32768, 65536];

/**
 * The largest file read as a ROM. The biggest 2600 bank-switching schemes hold 64 KB; anything
 * much larger is not a cartridge image, and is refused before it is read.
 */
export const MAX_ROM_BYTES = 512 * 1024;

/**
 * Reads a ROM file of at most MAX_ROM_BYTES. Only a regular file is read (not a device such as
 * /dev/zero, a pipe or a directory), and never more than the limit, whatever its size claims.
 */
function readRomFile(path: string): Buffer {
  const cannot = (why: string): never => { throw new Error(`--rom ${path}: cannot read the ROM (${why}): pass the path of an Atari 2600 ROM image (.bin)`); };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK); // a FIFO would block an ordinary open

  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return cannot(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(code ?? error));
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) cannot('it is a directory');
    if (!stat.isFile()) cannot('not a regular file');
    if (stat.size > MAX_ROM_BYTES) throw new Error(`--rom ${path}: ${stat.size} bytes is far larger than any Atari 2600 ROM (at most ${MAX_ROM_BYTES / 1024} KB are read): pass an Atari 2600 ROM image (.bin)`);
    const buffer = Buffer.alloc(MAX_ROM_BYTES + 1);
    let length = 0, n: number;
    while (length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0) length += n;
    if (length > MAX_ROM_BYTES) throw new Error(`--rom ${path}: more than ${MAX_ROM_BYTES / 1024} KB: not an Atari 2600 ROM image (.bin)`);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

export function supportedGames(): string {
  return GAMES.map((g) => `${g.id} (${g.md5})`).join(', ');
}

/**
 * Reads and identifies a ROM. `gameOverride` runs a known game from a differently dumped ROM
 * (or a test ROM); `fallbackGame` is used for an unknown MD5 where any ROM will do (benchmarks).
 * Every problem is one line naming the file and what to do.
 */
export function loadRom(path: string, gameOverride?: string | null, fallbackGame?: string): Rom {
  const bytes = readRomFile(path);
  if (bytes.length === 0) throw new Error(`--rom ${path}: the file is empty: pass an Atari 2600 ROM image (.bin)`);
  if (!VALID_SIZES.includes(bytes.length)) {
    throw new Error(`--rom ${path}: ${bytes.length} bytes is not an Atari 2600 ROM size (${VALID_SIZES.map((s) => s / 1024 + 'K').join(', ')})`);
  }
  const md5 = createHash('md5').update(bytes).digest('hex');
  let game: GameSettings | undefined;
  if (gameOverride) {
    game = gameById(gameOverride);
    if (!game) throw new Error(`--game ${gameOverride}: unknown game: choose one of ${GAMES.map((g) => g.id).join(', ')}`);
  } else {
    game = gameByMd5(md5) ?? (fallbackGame ? gameById(fallbackGame) : undefined);
    if (!game) throw new Error(`--rom ${path}: unknown ROM (MD5 ${md5}); supported: ${supportedGames()}; for another dump of one of these games pass --game <id>`);
  }
  return { path, bytes: new Uint8Array(bytes), md5, game };
}
