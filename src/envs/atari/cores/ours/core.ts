import type { EmulatorCore, Inputs } from '../../emulatorCore.js';
import { Cartridge } from './cartridge.js';
import type { IndexedFrame } from '../../../indexedFrames.js';
import { Machine, NTSC_RGB, type MachineState } from './machine.js';

/**
 * Our 2600 core behind the emulator-core interface, wired as the 6502.ts adapter is: joystick 0
 * on SWCHA bits 4-7 and INPT4; with paddles, paddle 0's button on SWCHA bit 7 and its pot on
 * INPT0; RESET and SELECT on SWCHB; the colour switch on colour and both difficulties on B.
 */
export class OurAtari2600 implements EmulatorCore {
  readonly machine: Machine;
  framesEmulated = 0;

  /** Throws a one-line error for ROMs none of our bank-switching schemes fits. */
  constructor(rom: Uint8Array, readonly paddles: boolean) {
    let scheme;
    try {
      scheme = Cartridge.detect(rom);
    } catch (error) {
      throw new Error(`the emulator cannot load this ROM: ${(error as Error).message}`);
    }
    this.machine = new Machine(rom, scheme);
    this.machine.tia.inputs.paddlesConnected = paddles;
  }

  hardReset(): void {
    this.machine.powerOn();
  }

  frame(inputs: Inputs, observe = true): void {
    const m = this.machine;
    if (this.paddles) {
      m.riot.swcha = inputs.fire ? 0x7f : 0xff;
      m.tia.inputs.fire0 = false;
      m.tia.inputs.paddles[0] = inputs.paddle;
    } else {
      m.riot.swcha = 0xff & ~(inputs.right ? 0x80 : 0) & ~(inputs.left ? 0x40 : 0) & ~(inputs.down ? 0x20 : 0) & ~(inputs.up ? 0x10 : 0);
      m.tia.inputs.fire0 = inputs.fire;
    }
    m.riot.swchb = 0x0b & ~(inputs.reset ? 0x01 : 0) & ~(inputs.select ? 0x02 : 0);
    m.runFrame(observe);
    this.framesEmulated++;
  }

  ram(index: number): number {
    return this.machine.riot.ram[index & 0x7f];
  }

  screen(out: Uint8Array): void {
    this.machine.screenRgb(out);
  }

  indexedScreen(): IndexedFrame {
    return { indices: this.machine.tia.screen, palette: NTSC_RGB };
  }

  /** The ALE's cloneState: everything needed to continue exactly from here. */
  saveState(): MachineState {
    return structuredClone(this.machine.saveState());
  }

  loadState(state: MachineState): void {
    this.machine.loadState(structuredClone(state));
  }
}
