import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
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

export function supportedGames(): string {
  return GAMES.map((g) => `${g.id} (${g.md5})`).join(', ');
}

/**
 * Reads and identifies a ROM. `gameOverride` runs a known game from a differently dumped ROM
 * (or a test ROM); `fallbackGame` is used for an unknown MD5 where any ROM will do (benchmarks).
 * Every problem is one line naming the file and what to do.
 */
export function loadRom(path: string, gameOverride?: string | null, fallbackGame?: string): Rom {
  let bytes: Buffer;
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(code ?? error);
    throw new Error(`--rom ${path}: cannot read the ROM (${why}): pass the path of an Atari 2600 ROM image (.bin)`);
  }
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
