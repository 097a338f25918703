import {
  type Bus,
  type Core,
  HwError,
  type MemorySegment,
  type MpuConfig,
  type MpuDriver,
  type MpuGrant,
  Perm,
} from "@rtos-sim/hw";
import { KernelError } from "./errors.js";
import { TcbField } from "./task-record.js";

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
      throw new KernelError("MPU_REGIONS_EXHAUSTED", e.detail, e.context);
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

/** What the loader needs of a task: its TCB (where its plan's record lives) and its plan. */
export interface PlanOwner {
  /** Address of the task control block in kernel memory. */
  readonly tcb: number;
  /** The plan the kernel laid out for the task (what it stores in the TCB). */
  readonly plan: MpuPlan;
}

/**
 * The task's MPU plan lives in its TCB, as FreeRTOS-MPU keeps `xMPU_SETTINGS` there: the kernel
 * stores the plan's record ({@link MpuConfig.record}) in kernel memory when it lays the plan out,
 * and a switch loads the record back from the TCB and writes the MPU from the words it read,
 * through the driver (PMSAv7: an STM of every RBAR/RASR pair to the alias block). Words that
 * are still the plan's load as the plan (the driver's prepared load); words something else wrote
 * there since (a DMA transfer over the kernel's block, a privileged task's store) reach the MPU
 * as they are, as on silicon: whatever can write a TCB can give its task any region.
 *
 * The loader remembers which task's record it loaded and skips loading it again (Tock's cached
 * configuration): the MPU's registers are only the core's, so the cache holds until someone else
 * writes them ({@link MpuLoader.invalidate}) or the kernel stores the task's record again.
 */
export class MpuLoader {
  /** Whose configuration the MPU holds: a task's (loaded from its TCB), a kernel plan's, or null (unknown). */
  private holder: PlanOwner | MpuPlan | null = null;
  private skipCount = 0;
  /** The record read back from a TCB that does not hold its plan's (reused). */
  private readonly record: Uint32Array;
  /** The memory segment of the last TCB read (the kernel's block holds every TCB). */
  private segment: MemorySegment | null = null;
  /** The bus's memory as 32-bit words (the buffer behind every segment). */
  private words: Int32Array<ArrayBufferLike> = new Int32Array(0);

  constructor(
    /** The board's MPU driver: it writes the region registers. */
    readonly driver: MpuDriver,
    /** The core: the kernel's stores of a record are its accesses (privileged, charged). */
    private readonly core: Core,
    /** The bus: where the records are read back. */
    private readonly bus: Bus,
  ) {
    this.record = new Uint32Array(driver.recordWords);
  }

  /**
   * Stores the record of `plan` (by default the task's own; at a grant, the plan it is about to
   * get) in `task`'s TCB (at its creation, at a grant, at a restart), with the core's stores in
   * the kernel's state. Its next load reads it back. A store the MPU refuses is
   * the core's fault, raised before any word is written.
   */
  store(task: PlanOwner, plan: MpuPlan = task.plan): void {
    const record = plan.record;
    const at = (task.tcb + TcbField.MPU) >>> 0;
    // All or nothing: under a forged record loaded now (a caller's own, denying the kernel its
    // block) the first word the stores may not write faults before any is written, so a grant
    // that fails leaves the TCB as it was.
    for (let i = 0; i < record.length; i++) {
      if ((this.core.permissionAt(at + 4 * i) & Perm.PW) === 0) this.core.write32(at + 4 * i, record[i]!);
    }
    this.core.writeWords(at, record);
    // Loaded from this TCB before, the MPU holds these words still only if they were the plan's.
    if (this.holder === task && this.driver.loaded !== plan) this.holder = null;
  }

  /**
   * Makes `task`'s record in its TCB the MPU's configuration: the words are read from kernel
   * memory (the kernel's own block, which its privileged loads always reach; the switch charges
   * them as the reload's LDMs, docs/timing.md). Words that are the plan's record load as the plan;
   * other words load as they are. Returns whether it wrote the registers (false: the task's
   * record was loaded already).
   */
  loadTask(task: PlanOwner): boolean {
    if (this.holder === task) {
      this.skipCount++;
      return false;
    }
    const plan = task.plan;
    const mine = plan.record;
    const n = mine.length;
    const at = (task.tcb + TcbField.MPU) >>> 0;
    let s = this.segment;
    if (s === null || at < s.start || at + 4 * n > s.end) {
      s = this.bus.segmentFor(at, 4 * n) ?? null;
      this.segment = s;
      if (s !== null && s.bytes.buffer !== this.words.buffer) this.words = new Int32Array(s.bytes.buffer);
    }
    if (s !== null) {
      // Compared where they lie, as 32-bit integers (no copy): they are the plan's at nearly every
      // switch. (A big-endian host would see them differ and take the exact path below.) Every
      // word is read (the differences OR-ed, no early exit: a record that differs is rare), the
      // first 16 (an 8-region PMSAv7 record whole) written out: V8 compiles a loop over typed
      // arrays with checks and reloads at every pass (about 30 x86 instructions a word), a
      // straight run with a fraction of that (about 250 fewer host instructions per switch).
      const words = this.words;
      const j = (s.offset + (at - s.start)) >> 2;
      let diff = 0;
      let i = 0;
      if (n >= 16) {
        diff =
          (words[j]! ^ mine[0]!) |
          (words[j + 1]! ^ mine[1]!) |
          (words[j + 2]! ^ mine[2]!) |
          (words[j + 3]! ^ mine[3]!) |
          (words[j + 4]! ^ mine[4]!) |
          (words[j + 5]! ^ mine[5]!) |
          (words[j + 6]! ^ mine[6]!) |
          (words[j + 7]! ^ mine[7]!) |
          (words[j + 8]! ^ mine[8]!) |
          (words[j + 9]! ^ mine[9]!) |
          (words[j + 10]! ^ mine[10]!) |
          (words[j + 11]! ^ mine[11]!) |
          (words[j + 12]! ^ mine[12]!) |
          (words[j + 13]! ^ mine[13]!) |
          (words[j + 14]! ^ mine[14]!) |
          (words[j + 15]! ^ mine[15]!);
        i = 16;
      }
      for (; i < n; i++) diff |= words[j + i]! ^ mine[i]!;
      if (diff === 0) {
        this.driver.configureMpu(plan);
        this.holder = task;
        return true;
      }
    }
    const r = this.record;
    const bytes = this.bus.peek(at, 4 * n);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) r[i] = view.getUint32(4 * i, true);
    this.driver.configureFromRecord(plan, r);
    this.holder = task;
    return true;
  }

  /** Makes a plan the kernel keeps for itself (not in a TCB) the MPU's configuration. */
  loadPlan(plan: MpuPlan): void {
    this.driver.configureMpu(plan);
    this.holder = plan;
  }

  /** Whose configuration the MPU holds, to give it back with {@link MpuLoader.restore}. */
  get held(): PlanOwner | MpuPlan | null {
    return this.holder;
  }

  /** Loads again what {@link MpuLoader.held} returned (nothing when it is still loaded, or was unknown). */
  restore(held: PlanOwner | MpuPlan | null): void {
    if (held === null || held === this.holder) return;
    if ("tcb" in held) this.loadTask(held);
    else this.loadPlan(held);
  }

  /** Forgets the loaded configuration (after someone else wrote the MPU): the next load writes every region. */
  invalidate(): void {
    this.driver.invalidate();
    this.holder = null;
  }

  /** The plan loaded now: null when none is, or when the MPU holds a record that is not its task's plan. */
  get current(): MpuPlan | null {
    return this.driver.loaded;
  }

  /** Configurations actually written (not skipped). */
  get loads(): number {
    return this.driver.loads;
  }

  /** Loads that found the configuration already loaded. */
  get skips(): number {
    return this.skipCount + this.driver.skips;
  }
}
