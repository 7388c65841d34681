import { readFileSync } from 'node:fs';

const compiled = new Map<string, WebAssembly.Module | null>();

/**
 * The module `npm run build:wasm` wrote to build/`file`, compiled once per thread; null when it
 * was not built or this engine cannot compile it (callers then take their TypeScript path).
 */
export function builtWasmModule(file: string): WebAssembly.Module | null {
  let module = compiled.get(file);
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(readFileSync(new URL(`../../../build/${file}`, import.meta.url)));
    } catch {
      module = null;
    }
    compiled.set(file, module);
  }
  return module;
}
