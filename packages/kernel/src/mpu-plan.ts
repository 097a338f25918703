import { HwError, type MpuConfig, type MpuDriver, type MpuGrant } from "@rtos-sim/hw";
import { KernelError } from "./errors.js";

export type { MpuGrant } from "@rtos-sim/hw";

/**
 * A task's (or the kernel's) MPU configuration: the MPU driver's per-task configuration, laid
 * out once (which grant sits in which region, the register words computed) and loaded at every
 * switch to the task.
 */
export type MpuPlan = MpuConfig;

/** The driver's `MPU_REGIONS_EXHAUSTED` as the kernel's typed error (same message and context). */
function exhausted<T>(layout: () => T): T {
  try {
    return layout();
  } catch (e) {
    if (e instanceof HwError && e.code === "MPU_REGIONS_EXHAUSTED") {
      throw new KernelError("MPU_REGIONS_EXHAUSTED", e.message.slice(e.code.length + 2), e.context);
    }
    throw e;
  }
}

/**
 * Lays out a configuration through the board's MPU driver, like FreeRTOS-MPU and Zephyr: the
 * kernel's grants take the highest-numbered regions, the task's the lowest, in order. Throws
 * `MPU_REGIONS_EXHAUSTED` (a {@link KernelError} naming the grants that did not fit) when the task
 * asks for more regions than are left, and the driver's typed errors (`MPU_GRANT_SIZE`,
 * `MPU_GRANT_ALIGNMENT`...) for grants its architecture cannot express.
 */
export function planMpu(
  driver: MpuDriver,
  kernel: readonly MpuGrant[],
  task: readonly MpuGrant[],
  who = "task",
): MpuPlan {
  return exhausted(() => driver.newConfig({ who, kernel, task }));
}

/**
 * `plan` with `grant` added last, replacing the grant of the same id (a partition granted again
 * with another access); `MPU_REGIONS_EXHAUSTED` when it does not fit, `plan` unchanged.
 */
export function replanGrant(driver: MpuDriver, plan: MpuPlan, grant: MpuGrant): MpuPlan {
  return exhausted(() => driver.allocateRegion(plan, grant));
}

/**
 * The switch-time load of a task's plan, through the MPU driver: the driver remembers the plan
 * it loaded and skips loading it again (Tock's cached configuration); otherwise it writes the
 * registers (PMSAv7: one STM of every RBAR/RASR pair to the alias block, as FreeRTOS-MPU's
 * PendSV does). The MPU's registers are the truth; anyone else writing the MPU must call
 * {@link MpuLoader.invalidate}.
 */
export class MpuLoader {
  constructor(
    /** The board's MPU driver: it caches the loaded plan and writes the region registers. */
    readonly driver: MpuDriver,
  ) {}

  /** Makes `plan` the MPU's configuration. Returns whether it wrote the registers (false: already loaded). */
  load(plan: MpuPlan): boolean {
    const before = this.driver.loads;
    this.driver.configureMpu(plan);
    return this.driver.loads !== before;
  }

  /** Forgets the loaded plan (after someone else wrote the MPU): the next load writes every region. */
  invalidate(): void {
    this.driver.invalidate();
  }

  /** The plan loaded now, or null. */
  get current(): MpuPlan | null {
    return this.driver.loaded;
  }

  /** Plans actually written (not skipped). */
  get loads(): number {
    return this.driver.loads;
  }

  /** Switches that found the plan already loaded. */
  get skips(): number {
    return this.driver.skips;
  }
}
