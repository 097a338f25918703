/** SysTick register addresses. */
export const SysTickReg = {
  /** SYST_CSR, Control and Status: ENABLE, TICKINT, CLKSOURCE, COUNTFLAG (cleared by a read). */
  CSR: 0xe000e010,
  /** SYST_RVR, Reload Value: 24 bits. */
  RVR: 0xe000e014,
  /** SYST_CVR, Current Value: any write clears it (and COUNTFLAG). */
  CVR: 0xe000e018,
  /** SYST_CALIB, Calibration Value: reads as zero, writes ignored. */
  CALIB: 0xe000e01c,
} as const;

/**
 * The SysTick timer: a 24-bit down-counter clocked by the core clock. Time is simulated: the
 * owner calls {@link SysTick.advance} with elapsed cycles and gets the number of wraps (ticks).
 */
export class SysTick {
  /** CSR: ENABLE[0], TICKINT[1], CLKSOURCE[2], COUNTFLAG[16]. */
  csr = 0x4;
  /** RVR: the reload value, 0..0xFFFFFF (a write keeps the low 24 bits); 0 stops the ticks. */
  rvr = 0;
  /** CVR: the current count, 0..RVR. */
  cvr = 0;

  /** Reads a SysTick register; undefined when the address is not one. */
  readWord(address: number): number | undefined {
    switch (address) {
      case SysTickReg.CSR: {
        const v = this.csr;
        this.csr &= ~(1 << 16); // COUNTFLAG clears on read
        return v >>> 0;
      }
      case SysTickReg.RVR:
        return this.rvr;
      case SysTickReg.CVR:
        return this.cvr;
      case SysTickReg.CALIB:
        return 0;
      default:
        return undefined;
    }
  }

  /** Writes a SysTick register (whole word); false when the address is not one. */
  writeWord(address: number, value: number): boolean {
    switch (address) {
      case SysTickReg.CSR:
        this.csr = (this.csr & (1 << 16)) | (value & 0x7);
        return true;
      case SysTickReg.RVR:
        this.rvr = value & 0xffffff;
        return true;
      case SysTickReg.CVR:
        this.cvr = 0; // any write clears the counter and COUNTFLAG
        this.csr &= ~(1 << 16);
        return true;
      case SysTickReg.CALIB:
        return true;
      default:
        return false;
    }
  }

  /** Whether the counter is running. */
  get enabled(): boolean {
    return (this.csr & 1) !== 0;
  }

  /**
   * Advances by `cycles` core cycles; returns how many times the counter reached zero. As the
   * hardware counts: a clock at 0 reloads RVR, any other clock decrements, and reaching 0 is a
   * tick, so ticks come every RVR + 1 cycles however the cycles are split between calls.
   */
  advance(cycles: number): number {
    if (!this.enabled || this.rvr === 0 || cycles <= 0) return 0;
    const period = this.rvr + 1;
    // Cycles until the counter next reaches 0 (from 0 it first reloads).
    const first = this.cvr === 0 ? period : this.cvr;
    if (cycles < first) {
      this.cvr = this.cvr === 0 ? this.rvr - (cycles - 1) : this.cvr - cycles;
      return 0;
    }
    const rest = cycles - first;
    const ticks = 1 + Math.floor(rest / period);
    const r = rest % period;
    this.cvr = r === 0 ? 0 : this.rvr - (r - 1);
    this.csr |= 1 << 16;
    return ticks;
  }
}
