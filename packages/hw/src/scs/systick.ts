/** SysTick register addresses. */
export const SysTickReg = { CSR: 0xe000e010, RVR: 0xe000e014, CVR: 0xe000e018, CALIB: 0xe000e01c } as const;

/**
 * The SysTick timer: a 24-bit down-counter clocked by the core clock. Time is simulated: the
 * owner calls {@link SysTick.advance} with elapsed cycles and gets the number of wraps (ticks).
 */
export class SysTick {
  /** CSR: ENABLE[0], TICKINT[1], CLKSOURCE[2], COUNTFLAG[16]. */
  csr = 0x4;
  rvr = 0;
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

  /** Advances by `cycles` core cycles; returns how many times the counter reached zero. */
  advance(cycles: number): number {
    if (!this.enabled || this.rvr === 0) return 0;
    const period = this.rvr + 1;
    let ticks = 0;
    let c = cycles;
    if (this.cvr === 0) this.cvr = this.rvr;
    if (c < this.cvr) {
      this.cvr -= c;
      return 0;
    }
    c -= this.cvr;
    ticks = 1 + Math.floor(c / period);
    this.cvr = this.rvr - (c % period);
    if (this.cvr === 0) this.cvr = this.rvr;
    this.csr |= 1 << 16;
    return ticks;
  }
}
