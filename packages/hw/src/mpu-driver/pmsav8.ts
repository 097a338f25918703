import type { Core } from "../core.js";
import type { MemoryTypeSetting } from "../mpu/config.js";
import type { MpuRegionView } from "../mpu/view.js";
import { decodeRegionV8 } from "../mpu-v8/config.js";
import { type AccessV8, AP_V8_VALUES, MAIR_OF, MpuV8Reg, RbarV8, Rlar } from "../mpu-v8/fields.js";
import type { MpuV8 } from "../mpu-v8/mpu-v8.js";
import { GrantDriver, type Realised } from "./driver.js";
import { checkGrantShape, grantError, plainPiece, type RegionPiece } from "./layout.js";
import type { MpuConfig, MpuGrant, MpuRegionUse, RegionAccess } from "./types.js";

// One function per PMSAv8 encoding rule (ARMv8-M ARM B8.2, D1.2; docs/mpu-model.md), as
// Zephyr's arm_mpu_v8_internal.h keeps them.

/** The accesses AP[2:1] encodes: PMSAv8 has no "none" and no "privileged RW, unprivileged RO". */
export const PMSAV8_ACCESSES: readonly RegionAccess[] = Object.freeze(["priv-rw", "rw", "priv-ro", "ro"]);

/**
 * The driver's MAIR table: which attribute index each memory type uses. Attr0 Normal write-back,
 * Attr1 Device-nGnRE (ARMv7 Device, shareable or not), Attr2 Device-nGnRnE (Strongly-ordered),
 * Attr3 Normal write-back read/write-allocate, Attr4 write-through, Attr5 non-cacheable.
 */
export const PMSAV8_ATTR_INDEX: Readonly<Record<MemoryTypeSetting, number>> = {
  "normal-wb": 0,
  device: 1,
  "device-nonshareable": 1,
  "strongly-ordered": 2,
  "normal-wbwa": 3,
  "normal-wt": 4,
  "normal-nc": 5,
};

/** MAIR0 and MAIR1 holding the driver's table (unused attributes 0). */
export const PMSAV8_MAIR: readonly [number, number] = (() => {
  const mair = [0, 0];
  for (const [memory, index] of Object.entries(PMSAV8_ATTR_INDEX) as [MemoryTypeSetting, number][]) {
    mair[index >>> 2]! |= MAIR_OF[memory] << (8 * (index & 3));
  }
  return [mair[0]! >>> 0, mair[1]! >>> 0];
})();

/** The attribute byte of MAIR index `index` in the driver's table. */
function attrOf(index: number): number {
  return (PMSAV8_MAIR[index >>> 2]! >>> (8 * (index & 3))) & 0xff;
}

/** RBAR.BASE / RLAR.LIMIT: regions start and end on 32-byte boundaries; any size (no power of two). */
export function pmsav8Granular(value: number): boolean {
  return value % 32 === 0;
}

/** Whether two regions' ranges share an address (PMSAv8: an address two enabled regions match faults). */
export function pmsav8Overlap(a: { base: number; size: number }, b: { base: number; size: number }): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** RBAR of a laid-out region: BASE, SH = non-shareable, AP[2:1], XN. */
export function pmsav8Rbar(use: MpuRegionUse): number {
  let rbar = use.base | (AP_V8_VALUES[use.access as AccessV8] << RbarV8.AP_SHIFT);
  if (!use.executable) rbar |= RbarV8.XN;
  return rbar >>> 0;
}

/** RLAR of a laid-out region: LIMIT (the last 32-byte granule), AttrIndx from the memory type, EN. */
export function pmsav8Rlar(use: MpuRegionUse): number {
  const limit = (use.base + use.size - 32) & Rlar.LIMIT_MASK;
  return (limit | (PMSAV8_ATTR_INDEX[use.memory] << Rlar.ATTRINDX_SHIFT) | Rlar.EN) >>> 0;
}

/**
 * A guarded stack on PMSAv8 (Zephyr's built-in stack guard on ARMv8-M): regions cannot overlap,
 * so the stack's region starts above the guard, and PSPLIM = base + guard makes a push or an
 * exception frame below it a UsageFault STKOF. The guard bytes belong to no region.
 */
export function pmsav8StackLimit(grant: MpuGrant, kernel: boolean, guard: number): Realised {
  return {
    pieces: [{ ...plainPiece(grant, kernel), base: grant.base + guard, size: grant.size - guard }],
    stackLimit: grant.base + guard,
  };
}

/**
 * The PMSAv8 driver: each grant one region at 32-byte granularity, laid out without overlap (the
 * kernel's regions included: two regions matching an address fault), the memory type through a
 * fixed MAIR table, a guarded stack through PSPLIM. Loaded as CMSIS's `ARM_MPU_Load` does: MAIR0/1,
 * then RNR and an STM of four (RBAR, RLAR) pairs to RBAR..RLAR_A3 per group, then PSPLIM.
 */
export class Pmsav8Driver extends GrantDriver {
  /** ARMv8-M PMSAv8. */
  readonly architecture = "pmsav8" as const;
  readonly regionCount: number;
  readonly accesses = PMSAV8_ACCESSES;

  constructor(
    private readonly mpu: MpuV8,
    private readonly core: Core,
  ) {
    super();
    this.regionCount = mpu.regionCount;
  }

  protected realise(grant: MpuGrant, kernel: boolean, who: string): Realised {
    checkGrantShape(grant, who, this.accesses);
    if (!pmsav8Granular(grant.base)) {
      throw grantError("MPU_GRANT_ALIGNMENT", grant, who, "does not start on a 32-byte boundary (RBAR.BASE)");
    }
    if (!pmsav8Granular(grant.size) || grant.size < 32) {
      throw grantError("MPU_GRANT_SIZE", grant, who, "is not a multiple of 32 bytes (RLAR.LIMIT)");
    }
    if (grant.executable && !(grant.memory ?? "normal-wb").startsWith("normal")) {
      throw grantError(
        "MPU_GRANT_ACCESS",
        grant,
        who,
        "asks to execute Device memory, which PMSAv8 leaves UNPREDICTABLE (this model: execute-never)",
        { access: grant.access, memory: grant.memory },
      );
    }
    const guard = grant.guard ?? 0;
    if (guard === 0) return { pieces: [plainPiece(grant, kernel)] };
    if (!pmsav8Granular(guard) || guard < 0 || guard >= grant.size) {
      throw grantError(
        "MPU_GRANT_GUARD",
        grant,
        who,
        `has a guard of ${guard} B: not a multiple of 32 below the size (the region above it starts on a granule)`,
        { guard },
      );
    }
    return pmsav8StackLimit(grant, kernel, guard);
  }

  protected checkLayout(pieces: readonly RegionPiece[], who: string): void {
    for (let i = 0; i < pieces.length; i++) {
      for (let j = i + 1; j < pieces.length; j++) {
        const a = pieces[i]!;
        const b = pieces[j]!;
        if (pmsav8Overlap(a, b)) {
          throw grantError(
            "MPU_GRANT_OVERLAP",
            b.grant,
            who,
            `overlaps "${a.label}": PMSAv8 regions cannot overlap (an address two regions match faults)`,
            { other: a.label },
          );
        }
      }
    }
  }

  protected encode(regions: readonly (MpuRegionUse | null)[]): Uint32Array {
    const words = new Uint32Array(2 * regions.length);
    regions.forEach((use, n) => {
      if (!use) return;
      words[2 * n] = pmsav8Rbar(use);
      words[2 * n + 1] = pmsav8Rlar(use);
    });
    return words;
  }

  protected prepare(): null {
    return null;
  }

  protected write(config: MpuConfig): void {
    this.mpu.writeRegister(MpuV8Reg.MAIR0, PMSAV8_MAIR[0]);
    this.mpu.writeRegister(MpuV8Reg.MAIR1, PMSAV8_MAIR[1]);
    this.mpu.loadRegions(0, config.words);
    this.core.psplim = config.stackLimit ?? 0;
  }

  get recordWords(): number {
    return 2 * this.regionCount + 3;
  }

  protected recordOf(words: Uint32Array, stackLimit: number | null): Uint32Array {
    const record = new Uint32Array(words.length + 3);
    record[0] = PMSAV8_MAIR[0];
    record[1] = PMSAV8_MAIR[1];
    record.set(words, 2);
    record[words.length + 2] = stackLimit ?? 0;
    return record;
  }

  protected writeRecord(record: ArrayLike<number>): void {
    // FreeRTOS's ARMv8-M PendSV: MAIR0/1 from the TCB, RNR and an STM of (RBAR, RLAR) pairs per
    // group of 4 regions, then PSPLIM, the words as they are.
    const n = 2 * this.regionCount;
    this.mpu.writeRegister(MpuV8Reg.MAIR0, record[0]! >>> 0);
    this.mpu.writeRegister(MpuV8Reg.MAIR1, record[1]! >>> 0);
    const pairs = new Uint32Array(n);
    for (let i = 0; i < n; i++) pairs[i] = record[i + 2]! >>> 0;
    this.mpu.loadRegions(0, pairs);
    this.core.psplim = record[n + 2]! >>> 0;
  }

  protected decode(words: Uint32Array): readonly MpuRegionView[] {
    const out: MpuRegionView[] = [];
    for (let n = 0; n < words.length / 2; n++) {
      const rlar = words[2 * n + 1]!;
      out.push(decodeRegionV8(n, words[2 * n]!, rlar, attrOf((rlar & Rlar.ATTRINDX_MASK) >>> Rlar.ATTRINDX_SHIFT)));
    }
    return out;
  }
}
