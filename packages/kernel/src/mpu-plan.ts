import { encodeRegion, type MemoryTypeSetting, type Mpu, type MpuRegionSettings, Rbar } from "@rtos-sim/hw";
import { KernelError } from "./errors.js";

/** One MPU region a task (or the kernel) is granted. */
export interface MpuGrant {
  /** What it is, for reports: "stack", "guard", "heap", "partition ring (ro)", "USART2"... */
  readonly label: string;
  readonly base: number;
  /** A power of two >= 32, `base` aligned on it. */
  readonly size: number;
  readonly access: MpuRegionSettings["access"];
  readonly executable?: boolean;
  readonly memory?: MemoryTypeSetting;
  readonly subregionDisable?: number;
}

/** A computed MPU configuration: which grant sits in which region, and the register words. */
export interface MpuPlan {
  /** Grant per region number (null: region disabled). */
  readonly regions: readonly (MpuGrant | null)[];
  /**
   * RBAR/RASR pairs for every region, RBAR carrying VALID and REGION, ready for an STM to the
   * RBAR..RASR_A3 alias block (`Mpu.loadPairs`).
   */
  readonly words: Uint32Array;
  /** Stable identity: equal plans are the same object, so a reload can be skipped. */
  readonly id: number;
}

let nextPlanId = 1;

/**
 * Assigns regions like FreeRTOS-MPU and Zephyr: the kernel's regions take the highest numbers
 * (so no task region can override them), the task's grants the lowest, in order (a later grant
 * overrides an earlier one where they overlap, e.g. the stack guard over the stack's bottom).
 * Throws `MPU_REGIONS_EXHAUSTED` (naming the grants that did not fit) when the task asks for
 * more regions than are left, and the hw typed errors for grants no region can express.
 */
export function planMpu(
  regionCount: number,
  kernel: readonly MpuGrant[],
  task: readonly MpuGrant[],
  who = "task",
): MpuPlan {
  const free = regionCount - kernel.length;
  if (task.length > free) {
    throw new KernelError(
      "MPU_REGIONS_EXHAUSTED",
      `${who} needs ${task.length} MPU regions but only ${free} of ${regionCount} are left after the kernel's ${kernel.length}: ${task
        .slice(free)
        .map((g) => g.label)
        .join(", ")} do not fit`,
      { who, needed: task.length, available: free, regionCount, dropped: task.slice(free).map((g) => g.label) },
    );
  }
  const regions: (MpuGrant | null)[] = new Array(regionCount).fill(null);
  task.forEach((g, i) => {
    regions[i] = g;
  });
  kernel.forEach((g, i) => {
    regions[regionCount - kernel.length + i] = g;
  });
  const words = new Uint32Array(2 * regionCount);
  regions.forEach((g, n) => {
    words[2 * n] = (Rbar.VALID | n) >>> 0;
    if (!g) return;
    const { rbar, rasr } = encodeRegion(n, regionCount, {
      base: g.base,
      size: g.size,
      access: g.access,
      executable: g.executable ?? false,
      memory: g.memory ?? "normal-wb",
      subregionDisable: g.subregionDisable ?? 0,
    });
    words[2 * n] = (rbar | Rbar.VALID | n) >>> 0;
    words[2 * n + 1] = rasr;
  });
  return { regions, words, id: nextPlanId++ };
}

/**
 * Loads plans into the MPU through its RBAR/RASR alias registers (each RBAR with VALID and
 * REGION, as FreeRTOS-MPU's PendSV does with an STM), remembering the loaded plan: the same plan
 * again is skipped altogether (Tock's cached configuration). The MPU's registers are the truth;
 * this is a cache of what the kernel wrote, so anyone else writing the MPU must call
 * {@link MpuLoader.invalidate}.
 */
export class MpuLoader {
  private loaded: MpuPlan | null = null;
  /** Plans actually written (not skipped). */
  loads = 0;
  /** Switches that found the plan already loaded. */
  skips = 0;

  constructor(private readonly mpu: Mpu) {}

  /** Makes `plan` the MPU's configuration. Returns whether it wrote the registers (false: already loaded). */
  load(plan: MpuPlan): boolean {
    if (this.loaded === plan) {
      this.skips++;
      return false;
    }
    // One STM of every (RBAR, RASR) pair to the alias block; registers already holding the
    // value (the kernel's regions, identical in every plan) do not change.
    this.mpu.loadPairs(plan.words);
    this.loaded = plan;
    this.loads++;
    return true;
  }

  /** Forgets the loaded plan (after someone else wrote the MPU): the next load writes every region. */
  invalidate(): void {
    this.loaded = null;
  }

  /** The plan loaded now, or null. */
  get current(): MpuPlan | null {
    return this.loaded;
  }
}

/** Smallest power of two >= n (n >= 1), at least 32. */
export function regionSizeFor(n: number): number {
  let s = 32;
  while (s < n) s *= 2;
  return s;
}
