/**
 * What a view reads and writes simulated memory through: a task's `TaskContext` (its own checked
 * accesses, with its privilege) or the `Core` itself. Every method is one checked access of the
 * core (`readF64`/`writeF64` two word accesses).
 */
export interface ViewMemory {
  read8(address: number): number;
  read16(address: number): number;
  read32(address: number): number;
  readF32(address: number): number;
  readF64(address: number): number;
  write8(address: number, value: number): void;
  write16(address: number, value: number): void;
  write32(address: number, value: number): void;
  writeF32(address: number, value: number): void;
  writeF64(address: number, value: number): void;
}
