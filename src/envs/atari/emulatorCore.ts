import type { IndexedFrame } from '../indexedFrames.js';
import { Atari2600 } from './stella.js';
import { OurAtari2600 } from './cores/ours/core.js';

/** Joystick and paddle inputs for one frame. */
export interface Inputs {
  up: boolean;
  down: boolean;
  left: boolean;
  right: boolean;
  fire: boolean;
  /** Paddle 0 position in 6502.ts units, [0, 1] (used by paddle games). */
  paddle: number;
  reset: boolean;
  select: boolean;
}

/**
 * What AtariEnv needs of an Atari 2600 emulator: one adapter per core behind it (stella.ts for
 * 6502.ts, cores/ours/core.ts for ours); the ALE semantics stay above, in atariEnv.ts.
 */
export interface EmulatorCore {
  /** Power-cycles the console (RAM keeps its contents). */
  hardReset(): void;
  /**
   * Runs one frame with `inputs` held. `observe: false` says nobody will read this frame's
   * screen, so a core may skip drawing it (6502.ts draws every frame anyway).
   */
  frame(inputs: Inputs, observe?: boolean): void;
  /** RIOT RAM byte `index` (0-127, address $80 + index). */
  ram(index: number): number;
  /** The last observed frame, 210x160, as packed RGB. */
  screen(out: Uint8Array): void;
  /** The last observed frame as palette indices (the buffer `screen` converts, kept current), where the core draws them. */
  indexedScreen?(): IndexedFrame;
  readonly framesEmulated: number;
}

/** The 2600 cores a ROM can run on: ours (cores/ours) and 6502.ts, the reference. */
export const EMULATORS = ['ours', '6502ts'] as const;
export type EmulatorKind = (typeof EMULATORS)[number];
/** Ours: frame-exact against 6502.ts on everything the tests cover (docs/emulator-core.md). */
export const DEFAULT_EMULATOR: EmulatorKind = 'ours';

export function createEmulator(kind: EmulatorKind, rom: Uint8Array, seed: number, paddles: boolean): EmulatorCore {
  return kind === 'ours' ? new OurAtari2600(rom, paddles) : new Atari2600(rom, seed, paddles);
}
