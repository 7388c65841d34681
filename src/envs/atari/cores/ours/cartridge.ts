/**
 * Cartridges for our 2600 core: 2K, 4K, F8, F6, F4 (each with the Superchip's 128 bytes of RAM),
 * FE, E0, 3F, FA and E7.
 *
 * One class covers them all: the 4K cartridge window ($1000-$1FFF) is cut into 32 pages of 128
 * bytes, each mapped to an offset into one array holding the ROM followed by the cartridge RAM,
 * for reads and (where RAM sits) for writes. A scheme is just the code that remaps pages when
 * its hot spots are touched.
 */

export type Scheme = '2K' | '4K' | 'F8' | 'F6' | 'F4' | 'FE' | 'E0' | '3F' | 'FA' | 'E7';

const PAGE = 128;
const PAGES = 32;

export interface CartridgeState { memory: Uint8Array; readPage: Int32Array; writePage: Int32Array; bank: number; superchip: boolean; lastWasFE: boolean }

export class Cartridge {
  /** ROM bytes, then RAM (Superchip, FA's 256 bytes or E7's 2K). */
  private readonly memory: Uint8Array;
  private readonly ramBase: number;
  private readonly readPage = new Int32Array(PAGES);
  /** -1: a ROM page (writes do nothing). */
  private readonly writePage = new Int32Array(PAGES);
  /** Inclusive range of cartridge offsets ($000-$FFF) that switch banks on any access. */
  private hotLow = 0x1000;
  private hotHigh = -1;
  private superchip = false;
  /** FE and 3F watch the whole bus, not only the cartridge window. */
  readonly snoops: boolean;
  private lastWasFE = false;
  private bank = 0;

  /** Set when the banks or the RAM ports change (the machine then refreshes its direct pages and clears it). */
  remapped = true;

  /** Bytes of cartridge memory (ROM, then RAM) an image needs. */
  static memorySize(rom: Uint8Array, scheme: Scheme): number {
    return rom.length + (scheme === 'E7' ? 2048 : scheme === 'FA' ? 256 : ['F8', 'F6', 'F4'].includes(scheme) ? 128 : 0);
  }

  /** `memory`: where ROM and RAM live (`memorySize` bytes; the machine's view into the memory the CPU reads directly). */
  constructor(private readonly rom: Uint8Array, readonly scheme: Scheme, memory = new Uint8Array(Cartridge.memorySize(rom, scheme))) {
    this.memory = memory;
    this.memory.set(rom);
    this.ramBase = rom.length;
    this.snoops = scheme === 'FE' || scheme === '3F';
    const banks = rom.length >> 12;
    switch (scheme) {
      case 'F8': case 'F6': case 'F4': this.hotLow = { 2: 0xff8, 4: 0xff6, 8: 0xff4 }[banks] ?? 0xff8; this.hotHigh = this.hotLow + banks - 1; break;
      case 'FA': this.hotLow = 0xff8; this.hotHigh = 0xffa; break;
      case 'E0': this.hotLow = 0xfe0; this.hotHigh = 0xff7; break;
      case 'E7': this.hotLow = 0xfe0; this.hotHigh = 0xfeb; break;
    }
    this.reset();
  }

  /** Picks the scheme of an image by its size and, where sizes are shared, by the code it contains. */
  static detect(rom: Uint8Array): Scheme {
    const count = (pattern: number[]) => {
      let n = 0;
      outer: for (let i = 0; i + pattern.length <= rom.length; i++) {
        for (let j = 0; j < pattern.length; j++) if (rom[i + j] !== pattern[j]) continue outer;
        n++;
      }
      return n;
    };
    // STA $3F (the 3F bank switch) used at least twice.
    const tigervision = () => count([0x85, 0x3f]) >= 2;
    switch (rom.length) {
      case 2048: return '2K';
      case 4096: return '4K';
      case 8192: {
        // Parker Brothers: accesses of the segment hot spots $1FE0-$1FF7 (LDA abs / STA abs).
        const e0 = [[0x8d, 0xe0, 0x1f], [0x8d, 0xe0, 0x5f], [0x8d, 0xe9, 0xff], [0x0c, 0xe0, 0x1f], [0xad, 0xe0, 0x1f], [0xad, 0xe9, 0xff],
          [0xad, 0xed, 0xff], [0xad, 0xf3, 0xbf]].some((p) => count(p) > 0);
        if (e0) return 'E0';
        if (tigervision()) return '3F';
        // Activision: JSR into the other bank's $D000 or $F000 code.
        const fe = [[0x20, 0x00, 0xd0, 0xc6, 0xc5], [0x20, 0xc3, 0xf8, 0xa5, 0x82], [0xd0, 0xfb, 0x20, 0x73, 0xfe], [0x20, 0x00, 0xf0, 0x84, 0xd6]].some((p) => count(p) > 0);
        return fe ? 'FE' : 'F8';
      }
      case 12288: return 'FA';
      case 16384: {
        const e7 = [[0xad, 0xe2, 0xff], [0xad, 0xe5, 0xff], [0xad, 0xe5, 0x1f], [0xad, 0xe7, 0x1f], [0x0c, 0xe7, 0x1f], [0x8d, 0xe7, 0xff], [0x8d, 0xe7, 0x1f]].some((p) => count(p) > 0);
        return e7 ? 'E7' : tigervision() ? '3F' : 'F6';
      }
      case 32768: return tigervision() ? '3F' : 'F4';
      default: throw new Error(`${rom.length} bytes: no supported bank-switching scheme has this size (2K, 4K, 8K, 12K, 16K, 32K)`);
    }
  }

  /** Maps `count` pages from page `first` to `offset` (reads) and optionally writes. */
  private map(first: number, count: number, offset: number, writable = false): void {
    this.remapped = true;
    for (let p = 0; p < count; p++) {
      this.readPage[first + p] = offset + p * PAGE;
      this.writePage[first + p] = writable ? offset + p * PAGE : -1;
    }
  }

  /**
   * Power-on banks (random on hardware; these are 6502.ts's, so both cores start alike): F8 in
   * its last bank, F6, F4, FA and E7 in bank 0, E0 with all three switchable segments on slice 7.
   */
  reset(): void {
    const size = this.rom.length;
    this.superchip = false;
    this.lastWasFE = false;
    switch (this.scheme) {
      case '2K': this.map(0, 16, 0); this.map(16, 16, 0); break;
      case 'F8': this.selectBank((size >> 12) - 1); break;
      case 'F6': case 'F4': case 'FA': this.selectBank(0); break;
      case 'E0': for (let segment = 0; segment < 4; segment++) this.map(segment * 8, 8, 7 * 1024); break;
      case '3F': this.map(0, 16, 0); this.map(16, 16, size - 2048); break;
      case 'E7':
        this.map(0, 16, 0);
        this.hotspot(0xfe8); // 256-byte RAM bank 0 at $1800 (write) / $1900 (read)
        this.map(20, 12, 7 * 2048 + 0x200); // $1A00-$1FFF: the end of the last 2K bank, fixed
        break;
      default: this.selectBank(0);
    }
  }

  /** A 4K bank in the whole window, with the Superchip or FA RAM over its first pages. */
  private selectBank(bank: number): void {
    this.bank = bank;
    this.map(0, PAGES, bank << 12);
    if (this.scheme === 'FA') {
      this.map(0, 2, this.ramBase, true); this.readPage[0] = this.readPage[1] = -1;
      this.map(2, 2, this.ramBase);
    } else if (this.superchip) this.mapSuperchip();
  }

  private mapSuperchip(): void {
    this.remapped = true;
    this.writePage[0] = this.ramBase;
    this.readPage[0] = -1;
    this.readPage[1] = this.ramBase;
  }

  private hotspot(offset: number): void {
    switch (this.scheme) {
      case 'F8': case 'F6': case 'F4': case 'FA': this.selectBank(offset - this.hotLow); break;
      case 'E0': {
        const segment = (offset - 0xfe0) >> 3;
        this.map(segment * 8, 8, (offset & 7) * 1024);
        break;
      }
      case 'E7':
        if (offset <= 0xfe6) this.map(0, 16, (offset - 0xfe0) * 2048);
        else if (offset === 0xfe7) { this.map(0, 8, this.ramBase, true); this.readPage.fill(-1, 0, 8); this.map(8, 8, this.ramBase); }
        else {
          this.remapped = true;
          const base = this.ramBase + 1024 + (offset - 0xfe8) * 256;
          this.writePage[16] = base; this.writePage[17] = base + PAGE; this.readPage[16] = this.readPage[17] = -1;
          this.readPage[18] = base; this.readPage[19] = base + PAGE; this.writePage[18] = this.writePage[19] = -1;
        }
        break;
    }
  }

  /**
   * Where page `page` (0-31, 128 bytes each) of the window can be read without telling the
   * cartridge: its offset in memory, or -1 (a hot spot in it, a RAM write port, or a scheme that
   * watches every access).
   */
  directReadPage(page: number): number {
    if (this.snoops) return -1;
    const first = page * PAGE;
    if (this.hotLow <= first + PAGE - 1 && this.hotHigh >= first) return -1;
    return this.readPage[page];
  }

  /** A read of the cartridge window; `bus` is the data bus's last value (a read of a write port stores it, as on hardware). */
  read(address: number, bus: number): number {
    const offset = address & 0xfff;
    if (offset >= this.hotLow && offset <= this.hotHigh) this.hotspot(offset);
    const page = offset >> 7;
    const at = this.readPage[page];
    if (at < 0) {
      // A RAM write port read: the chip latches whatever is on the bus.
      const w = this.writePage[page] + (offset & 127);
      this.memory[w] = bus;
      return bus;
    }
    return this.memory[at + (offset & 127)];
  }

  write(address: number, value: number): void {
    const offset = address & 0xfff;
    if (offset < PAGE && !this.superchip && (this.scheme === 'F8' || this.scheme === 'F6' || this.scheme === 'F4')) {
      // A write into $1000-$107F means the cartridge has a Superchip: its RAM appears from now on.
      this.superchip = true;
      this.mapSuperchip();
    }
    if (offset >= this.hotLow && offset <= this.hotHigh) this.hotspot(offset);
    const at = this.writePage[offset >> 7];
    if (at >= 0) this.memory[at + (offset & 127)] = value;
  }

  /** Every bus access (after it, with its value), for the schemes that watch the bus: FE and 3F. */
  snoop(address: number, value: number, isWrite: boolean): void {
    address &= 0x1fff;
    if (this.scheme === '3F') {
      // A write to $00-$3F (the TIA also gets it) selects the 2K bank at $1000-$17FF.
      if (isWrite && address < 0x40) {
        this.bank = value % (this.rom.length >> 11);
        this.map(0, 16, this.bank * 2048);
      }
      return;
    }
    // FE: the access after one to $01FE carries the high byte of a JSR/RTS target; its bit 5 picks the bank.
    if (this.lastWasFE) this.selectBank(value & 0x20 ? 0 : 1);
    this.lastWasFE = address === 0x1fe;
  }

  saveState(): CartridgeState {
    return { memory: this.memory.slice(this.ramBase), readPage: this.readPage.slice(), writePage: this.writePage.slice(), bank: this.bank, superchip: this.superchip, lastWasFE: this.lastWasFE };
  }

  loadState(s: CartridgeState): void {
    this.memory.set(s.memory, this.ramBase);
    this.readPage.set(s.readPage);
    this.writePage.set(s.writePage);
    this.bank = s.bank; this.superchip = s.superchip; this.lastWasFE = s.lastWasFE;
    this.remapped = true;
  }
}
