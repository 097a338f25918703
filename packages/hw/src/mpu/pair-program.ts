import { RASR_DEFINED } from "./fields.js";
import type { PermTable } from "./model.js";

/**
 * A whole PMSAv7 configuration as {@link Mpu.loadPairs} writes it, checked once: the (RBAR,
 * RASR) pair of every region 0..DREGION-1 in order, each RBAR carrying VALID and its own
 * REGION, so that the store of every pair to the alias block leaves each region's RBAR.ADDR and
 * RASR at the values kept here and RNR at the last region. Built by {@link Mpu.programPairs} at
 * layout time from a copy of the words (later changes to the caller's array do not reach it);
 * {@link Mpu.loadProgram} writes the same registers without checking the words again, and keeps
 * the configuration's permission table here once it is known (a context switch reloads a task's
 * configuration at every switch to it; docs/mpu-model.md).
 */
export class MpuPairProgram {
  /** The words as given (a copy): RBAR | VALID | REGION, RASR per region. */
  readonly words: Uint32Array;
  /**
   * RBAR.ADDR per region after the load. Never written after construction: the MPU that loads
   * the program takes this array as its registers until its next register write.
   */
  readonly rbar: Uint32Array;
  /** RASR per region after the load (its defined bits); never written after construction, as `rbar`. */
  readonly rasr: Uint32Array;
  /** The MPU that checked the words (a program is loaded only into it). */
  readonly owner: object;
  /**
   * @internal The permission table of this configuration under MPU_CTRL = `tableCtrl`, or null:
   * kept by its MPU, which trusts it (never set from outside).
   */
  table: PermTable | null = null;
  /** @internal The MPU_CTRL value `table` was built for. */
  tableCtrl = -1;

  /**
   * `words` must hold a valid pair for every region in order (see {@link MpuPairProgram.fits});
   * `rasrWritable` is the RASR bits the MPU keeps (RASR_DEFINED; without TEX on ARMv6-M).
   */
  constructor(owner: object, words: ArrayLike<number>, regionCount: number, rasrWritable = RASR_DEFINED) {
    this.owner = owner;
    this.words = Uint32Array.from(words);
    this.rbar = new Uint32Array(regionCount);
    this.rasr = new Uint32Array(regionCount);
    for (let r = 0; r < regionCount; r++) {
      this.rbar[r] = (this.words[2 * r]! & 0xffffffe0) >>> 0;
      this.rasr[r] = (this.words[2 * r + 1]! & rasrWritable) >>> 0;
    }
  }

  /**
   * Whether `words` is a whole configuration in order: 2 words per region for all `regionCount`
   * regions, pair n's RBAR with VALID (bit 4) and REGION = n.
   */
  static fits(words: ArrayLike<number>, regionCount: number): boolean {
    if (words.length !== 2 * regionCount) return false;
    for (let r = 0; r < regionCount; r++) {
      const rb = words[2 * r]!;
      if ((rb & 0x10) === 0 || (rb & 0xf) !== r) return false;
    }
    return true;
  }
}
