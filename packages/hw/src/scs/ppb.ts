import type { MpuModel } from "../mpu/model.js";
import type { Scb } from "./scb.js";
import { type SysTick, SysTickReg } from "./systick.js";

/**
 * The Private Peripheral Bus (0xE0000000-0xE00FFFFF) behind the core's privilege check:
 * SysTick, the SCB and the MPU registers. Words nobody decodes read as zero and ignore writes.
 * Sub-word accesses read or write their byte lanes of the 32-bit register.
 */
export class Ppb {
  constructor(
    private readonly scb: Scb,
    private readonly mpu: MpuModel,
    private readonly systick: SysTick,
  ) {}

  private readWord(word: number): number {
    if (this.mpu.decodes(word)) return this.mpu.readRegister(word);
    return this.scb.readWord(word) ?? this.systick.readWord(word) ?? 0;
  }

  /** Reads `size` bytes at `address` (aligned). */
  read(address: number, size: number): number {
    const word = (address & ~3) >>> 0;
    const v = this.readWord(word);
    if (size === 4) return v >>> 0;
    const shift = 8 * (address & 3);
    return (v >>> shift) & (size === 2 ? 0xffff : 0xff);
  }

  /** Writes `size` bytes at `address` (aligned). */
  write(address: number, size: number, value: number): void {
    const word = (address & ~3) >>> 0;
    const shift = 8 * (address & 3);
    const lanes = size === 4 ? 0xffffffff : ((size === 2 ? 0xffff : 0xff) << shift) >>> 0;
    const v = size === 4 ? value >>> 0 : ((value << shift) & lanes) >>> 0;
    if (this.mpu.decodes(word)) {
      // The MPU registers take whole words; a sub-word store merges with the current value.
      const merged = size === 4 ? v : ((this.mpu.readRegister(word) & ~lanes) | v) >>> 0;
      this.mpu.writeRegister(word, merged);
      return;
    }
    if (this.scb.writeWord(word, v, lanes)) return;
    // Sub-word stores merge with the register's other bytes (RVR; CSR's writable bits are byte 0).
    const old = word === SysTickReg.RVR ? this.systick.rvr : word === SysTickReg.CSR ? this.systick.csr : 0;
    this.systick.writeWord(word, ((old & ~lanes) | v) >>> 0);
  }
}
