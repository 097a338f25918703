import { decodeRegion, encodeRegion, PMSAV7, type Pmsav7Variant } from "../mpu/config.js";
import { Rbar } from "../mpu/fields.js";
import type { Mpu } from "../mpu/mpu.js";
import type { MpuPairProgram } from "../mpu/pair-program.js";
import type { MpuRegionView } from "../mpu/view.js";
import { isPowerOfTwo } from "../pow2.js";
import { GrantDriver, type Realised } from "./driver.js";
import { checkGrantShape, grantError, plainPiece, type RegionPiece } from "./layout.js";
import type { MpuConfig, MpuGrant, MpuRegionUse, RegionAccess } from "./types.js";

// One function per PMSAv7 encoding rule (ARMv7-M ARM B3.5.8-B3.5.9; docs/mpu-model.md), as
// Zephyr's arm_mpu_v7_internal.h keeps them.

/** Every AP encoding has a name: PMSAv7 can encode every access a grant may ask for. */
export const PMSAV7_ACCESSES: readonly RegionAccess[] = Object.freeze([
  "none",
  "priv-rw",
  "priv-rw-user-ro",
  "rw",
  "priv-ro",
  "ro",
]);

/**
 * RASR.SIZE: a region is 2^(SIZE+1) bytes, from 32 B (`min`; 256 B on ARMv6-M's PMSAv6) to 4 GiB.
 */
export function pmsav7SizeFits(size: number, min: number = 32): boolean {
  return isPowerOfTwo(size) && size >= min && size <= 2 ** 32;
}

/** RBAR.ADDR: the base is a multiple of the region's size. */
export function pmsav7BaseAligned(base: number, size: number): boolean {
  return base % size === 0;
}

/** RBAR for region `n` written through the alias block: ADDR | VALID | REGION. */
export function pmsav7Rbar(n: number, base: number): number {
  return (base | Rbar.VALID | n) >>> 0;
}

/** RASR of a laid-out region: AP, XN, TEX/C/B from the memory type, SRD, SIZE, ENABLE. */
export function pmsav7Rasr(use: MpuRegionUse, regionCount: number, variant: Pmsav7Variant = PMSAV7): number {
  return encodeRegion(
    use.number,
    regionCount,
    {
      base: use.base,
      size: use.size,
      access: use.access,
      executable: use.executable,
      memory: use.memory,
      subregionDisable: use.subregionDisable ?? 0,
    },
    variant,
  ).rasr;
}

/**
 * A guarded stack on PMSAv7 (Zephyr's MPU stack guard): the stack's region, then a second region
 * over its lowest `guard` bytes, privileged read-only and unprivileged no access. The guard
 * comes later in region order, so it wins where the two overlap (the highest-numbered match).
 */
export function pmsav7StackGuard(grant: MpuGrant, kernel: boolean, guard: number, minRegion: number = 32): RegionPiece {
  const piece: RegionPiece = {
    ...plainPiece(grant, kernel),
    label: `${grant.label} guard`,
    size: guard,
    access: "priv-ro",
    executable: false,
  };
  if (guard >= minRegion) return piece;
  // ARMv6-M (PMSAv6): no region below 256 bytes. The guard is a 256-byte region with only its
  // lowest guard / 32 subregions (32 bytes each) enabled: the same bytes a 32-byte region covers.
  return { ...piece, size: minRegion, subregionDisable: (0xff << (guard / (minRegion / 8))) & 0xff };
}

/**
 * The PMSAv7 driver: each grant one region (a guarded stack two), power-of-two sizes aligned on
 * their size, the kernel's regions highest-numbered so no task region overrides them, loaded at
 * a switch as one STM of every (RBAR | VALID | REGION, RASR) pair to the alias block
 * (`Mpu.loadPairs`, as FreeRTOS-MPU's PendSV does).
 */
export class Pmsav7Driver extends GrantDriver<MpuPairProgram | null> {
  /** ARMv7-M PMSAv7. */
  readonly architecture = "pmsav7" as const;
  readonly regionCount: number;
  readonly accesses = PMSAV7_ACCESSES;

  constructor(private readonly mpu: Mpu) {
    super();
    this.regionCount = mpu.regionCount;
  }

  protected realise(grant: MpuGrant, kernel: boolean, who: string): Realised {
    checkGrantShape(grant, who, this.accesses);
    const min = this.mpu.variant.minRegionSize;
    if (!pmsav7SizeFits(grant.size, min)) {
      throw grantError("MPU_GRANT_SIZE", grant, who, `is not a power of two from ${min} B to 4 GiB (RASR.SIZE)`);
    }
    if (!pmsav7BaseAligned(grant.base, grant.size)) {
      throw grantError("MPU_GRANT_ALIGNMENT", grant, who, `is not aligned on its size ${grant.size} (RBAR.ADDR)`);
    }
    const pieces = [plainPiece(grant, kernel)];
    const guard = grant.guard ?? 0;
    if (guard !== 0) {
      // A guard below the smallest region (ARMv6-M) is made of subregions: 32 B at least.
      if (!pmsav7SizeFits(guard) || guard >= grant.size) {
        throw grantError(
          "MPU_GRANT_GUARD",
          grant,
          who,
          `has a guard of ${guard} B: not a power of two >= 32 below the size`,
          {
            guard,
          },
        );
      }
      pieces.push(pmsav7StackGuard(grant, kernel, guard, min));
    }
    return { pieces };
  }

  protected checkLayout(): void {
    // Overlaps are allowed: the highest-numbered matching region wins.
  }

  protected encode(regions: readonly (MpuRegionUse | null)[]): Uint32Array {
    const words = new Uint32Array(2 * regions.length);
    regions.forEach((use, n) => {
      words[2 * n] = pmsav7Rbar(n, use?.base ?? 0);
      if (use) words[2 * n + 1] = pmsav7Rasr(use, this.regionCount, this.mpu.variant);
    });
    return words;
  }

  protected prepare(words: Uint32Array): MpuPairProgram | null {
    // Every region's pair in order: the MPU checks the words once, here, not at every switch.
    return this.mpu.programPairs(words);
  }

  protected write(config: MpuConfig, program: MpuPairProgram | null): void {
    // One STM of every pair to RBAR..RASR_A3; registers already holding the value (the kernel's
    // regions, identical in every configuration) do not change.
    if (program !== null) this.mpu.loadProgram(program);
    else this.mpu.loadPairs(config.words);
  }

  get recordWords(): number {
    return 2 * this.regionCount;
  }

  protected recordOf(words: Uint32Array): Uint32Array {
    return Uint32Array.from(words);
  }

  protected writeRecord(record: ArrayLike<number>): void {
    // FreeRTOS-MPU's PendSV: LDMs from the TCB, STMs to RBAR..RASR_A3, the words as they are.
    this.mpu.loadPairs(record);
  }

  protected decode(words: Uint32Array): readonly MpuRegionView[] {
    const out: MpuRegionView[] = [];
    for (let n = 0; n < words.length / 2; n++) {
      out.push(decodeRegion(n, (words[2 * n]! & Rbar.ADDR_MASK) >>> 0, words[2 * n + 1]!));
    }
    return out;
  }
}
