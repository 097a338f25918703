/**
 * What a view reads and writes simulated memory through: a task's `TaskContext` (its own checked
 * accesses, with its privilege) or the `Core` itself. Every method is one checked access of the
 * core (`readF64`/`writeF64` two word accesses).
 */
export interface ViewMemory {
  /** Loads the byte at `address` (LDRB): 0..255. */
  read8(address: number): number;
  /** Loads the little-endian halfword at `address` (LDRH): 0..65535. */
  read16(address: number): number;
  /** Loads the little-endian word at `address` (LDR): 0..2^32 - 1. */
  read32(address: number): number;
  /** Loads an IEEE 754 single at a word-aligned `address` (VLDR.32; unaligned is a UsageFault). */
  readF32(address: number): number;
  /** Loads an IEEE 754 double at a word-aligned `address` (VLDR.64: two word loads, lower address first). */
  readF64(address: number): number;
  /** Stores the low 8 bits of `value` at `address` (STRB). */
  write8(address: number, value: number): void;
  /** Stores the low 16 bits of `value`, little-endian (STRH). */
  write16(address: number, value: number): void;
  /** Stores `value` as a little-endian 32-bit word (STR). */
  write32(address: number, value: number): void;
  /** Stores `value` as an IEEE 754 single at a word-aligned `address` (VSTR.32). */
  writeF32(address: number, value: number): void;
  /** Stores `value` as an IEEE 754 double at a word-aligned `address` (VSTR.64: two word stores, lower first). */
  writeF64(address: number, value: number): void;
}
