/**
 * The plain data object a run produces: what `--json` prints, what `--trace` and `--report` are
 * built from. Every field is JSON data (numbers, strings, booleans, arrays, plain objects), so a
 * kernel-based run and the hardware demo fill the same shape. Times are simulated microseconds
 * from the start of the run; addresses and register values are unsigned 32-bit numbers.
 */

/** Version tag of the {@link RunResult} shape; bumped on incompatible changes. */
export const RUN_RESULT_SCHEMA = "rtos-sim.run/1";

/** A memory region of the board, as reports show it. */
export interface MemoryRegionInfo {
  /** The board's name for the region (e.g. "SRAM1", "CCM"). */
  readonly name: string;
  /** First byte (address). */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
  /** Bytes (`end - start`). */
  readonly size: number;
  /** "ram", "flash", "rom" or "otp". */
  readonly kind: string;
  /** Writes fault (flash, ROM, OTP). */
  readonly readOnly: boolean;
  /** Code may be fetched from it. */
  readonly executable: boolean;
}

/** A peripheral address range of the board. */
export interface PeripheralInfo {
  /** The board's name for the peripheral block. */
  readonly name: string;
  /** First byte (address). */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
  /** Bytes. */
  readonly size: number;
}

/** The board a run used. */
export interface BoardInfo {
  /** Board name, as `--board` takes it (e.g. "mps2-an386"). */
  readonly name: string;
  /** One line about the board (chip, memory). */
  readonly description: string;
  /** "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33" or "cortex-m55". */
  readonly core: string;
  /** Core clock in Hz (cycles per second). */
  readonly clockHz: number;
  /** The MPU's architecture: PMSAv7 (ARMv7-M) or PMSAv8 (ARMv8-M). */
  readonly mpuArchitecture: "pmsav7" | "pmsav8";
  /** Number of MPU regions (8 or 16). */
  readonly mpuRegions: number;
  /** The memory map, as the board declares it. */
  readonly memory: readonly MemoryRegionInfo[];
  /** Peripheral address ranges. */
  readonly peripherals: readonly PeripheralInfo[];
}

/** A PMSAv7 region's registers and the fields they hold (ARMv7-M ARM B3.5.8-B3.5.9). */
export interface Pmsav7RegionRegisters {
  /** Tells the PMSAv7 shape apart. */
  readonly architecture: "pmsav7";
  /** MPU_RBAR as read with MPU_RNR = the region: ADDR[31:5], VALID reads 0, REGION[3:0]. */
  readonly rbar: number;
  /** MPU_RASR: XN, AP, TEX, S, C, B, SRD, SIZE, ENABLE. */
  readonly rasr: number;
  /** RASR.AP[2:0]. */
  readonly ap: number;
  /** RASR.TEX[2:0] (memory type, with C and B). */
  readonly tex: number;
  /** RASR.C (cacheable). */
  readonly c: boolean;
  /** RASR.B (bufferable). */
  readonly b: boolean;
  /** RASR.S (shareable). */
  readonly s: boolean;
  /** RASR.SIZE: the region spans 2^(SIZE+1) bytes. */
  readonly sizeField: number;
}

/** A PMSAv8 region's registers, the fields they hold and the MAIR attribute AttrIndx selects (ARMv8-M ARM B8.2, D1.2). */
export interface Pmsav8RegionRegisters {
  /** Tells the PMSAv8 shape apart. */
  readonly architecture: "pmsav8";
  /** MPU_RBAR: BASE[31:5], SH[4:3], AP[2:1], XN[0]. */
  readonly rbar: number;
  /** MPU_RLAR: LIMIT[31:5], PXN[4] (ARMv8.1-M), AttrIndx[3:1], EN[0]. */
  readonly rlar: number;
  /** RBAR.AP[2:1]. */
  readonly ap: number;
  /** RBAR.SH by name: "non-shareable", "reserved", "outer" or "inner". */
  readonly shareability: string;
  /** RLAR.PXN: privileged execute-never (always false on ARMv8.0-M). */
  readonly pxn: boolean;
  /** RLAR.AttrIndx: which Attr<n> of MPU_MAIR0/1. */
  readonly attrIndex: number;
  /** The MAIR attribute byte AttrIndx selects. */
  readonly attr: number;
  /** Its Device type ("nGnRnE", "nGnRE", "nGRE", "GRE"), or null for Normal memory. */
  readonly device: string | null;
}

/** A region's registers, decoded per MPU architecture (told apart by `architecture`). */
export type MpuRegionRegisters = Pmsav7RegionRegisters | Pmsav8RegionRegisters;

/** One MPU region as loaded for a task (decoded from its registers: RBAR/RASR on PMSAv7, RBAR/RLAR and MAIR on PMSAv8). */
export interface MpuRegionInfo {
  /**
   * Region number. Where regions overlap, PMSAv7 takes the highest-numbered; on PMSAv8 an
   * address two enabled regions match faults.
   */
  readonly number: number;
  /** First byte (address) of the region. */
  readonly base: number;
  /** Bytes the region spans (subregions disabled by `srd` included). */
  readonly size: number;
  /** AP name: "none", "priv-rw", "priv-rw-user-ro", "rw", "priv-ro", "ro" or "reserved". */
  readonly access: string;
  /** XN = 0. */
  readonly executable: boolean;
  /** "normal", "device" or "strongly-ordered". */
  readonly memoryType: string;
  /** SRD bits (bit i set: subregion i disabled); 0 on PMSAv8 (no subregions). */
  readonly srd: number;
  /** What the region is for, e.g. "flash (code)", "task RAM", "shared ring". */
  readonly label: string;
  /** The region's registers and their fields, per architecture. */
  readonly registers: MpuRegionRegisters;
}

/** How a task ended up ("sleeping" and "stopped" come from the kernel's scheduler). */
export type TaskState = "ready" | "running" | "blocked" | "sleeping" | "done" | "faulted" | "stopped" | "killed";

/**
 * A task's timing: its jobs' response times (release to completion) and deadline misses. A
 * periodic task's job is released at its period boundary and ends when it waits for the next
 * one; a task without a period is measured per activation (a wake to its next block or sleep).
 */
export interface TaskTiming {
  /** Period in microseconds, or null for a task without one. */
  readonly periodUs: number | null;
  /** Relative deadline in microseconds, or null. */
  readonly deadlineUs: number | null;
  /** Jobs (or activations) completed. */
  readonly jobs: number;
  /**
   * Jobs that missed their deadline (the kernel's `JobStats.missed`): completed after it, cut
   * short by a fault, or not completed by the end of the run although it had passed.
   */
  readonly missed: number;
  /** Longest response time, or null before the first job. */
  readonly responseMaxUs: number | null;
  /** Shortest response time, or null. */
  readonly responseMinUs: number | null;
  /** Mean response time, or null. */
  readonly responseMeanUs: number | null;
  /** Response jitter: longest minus shortest response time, or null. */
  readonly jitterUs: number | null;
}

/** One task of the run. Task 0 is the kernel. */
export interface TaskResult {
  /** Task id: 0 is the kernel, apps' tasks count from 1 (also the index in {@link RunResult.tasks}). */
  readonly id: number;
  /** Task name ("kernel" for task 0). */
  readonly name: string;
  /** The task's state at the end of the run. */
  readonly state: TaskState;
  /**
   * The task runs privileged (task 0, the kernel, always does); a kernel task's at the end of the
   * run, as its last switch-in loaded it from its TCB's CONTROL word (which something may have
   * overwritten since its spec was read).
   */
  readonly privileged: boolean;
  /**
   * Simulated time the task held the CPU: the sum of its run slices, or, for kernel apps, the
   * cycles charged while it ran (its accesses, computation, syscalls and switches).
   */
  readonly cpuUs: number;
  /** cpuUs / the run's simulated duration, in [0, 1]. */
  readonly cpuShare: number;
  /** Number of faults this task took. */
  readonly faults: number;
  /** Bytes of memory the task holds at the end (RAM, stack, heap blocks, pages). */
  readonly memoryHeld: number;
  /** The task's MPU regions (the last configuration loaded for it). */
  readonly mpuRegions: readonly MpuRegionInfo[];
  /** How much of its stack the task used, or null when the run did not measure it (the kernel row, machine apps). */
  readonly stack: MemoryPeak | null;
  /** How much of its heap the task used, or null when it has none or the run did not measure it. */
  readonly heap: MemoryPeak | null;
  /** Its jobs' response times and deadline misses, or null when the run measured none (the kernel row, machine apps). */
  readonly timing: TaskTiming | null;
}

/**
 * The peak use of a task's stack or heap: its size and the most in use at once. A stack's, as the
 * kernel's `stackUsage` measures it (the stack painted at creation, scanned for the lowest byte
 * written); a heap's, the most bytes allocated at once (requested sizes: the allocator's headers
 * and rounding are not counted).
 */
export interface MemoryPeak {
  /** Bytes of the stack above its guard, or of the heap block. */
  readonly size: number;
  /** The most bytes in use at once over the whole run: `size` means the stack was full. */
  readonly peak: number;
}

/** A run slice: a task on the CPU from `start` to `end`. */
export interface TaskSlice {
  /** Task id (see {@link TaskResult.id}). */
  readonly task: number;
  /** When the task got the CPU (simulated microseconds). */
  readonly start: number;
  /** When it gave it up (simulated microseconds). */
  readonly end: number;
}

/** Kinds of instant event. */
export type RunEventKind = "syscall" | "access" | "fault" | "uart" | "mpu" | "note" | "check" | "deadline";

/** An instant event: a syscall, a notable access, a fault, a line of UART output, a note, a missed deadline. */
export interface RunEvent {
  /** When it happened (simulated microseconds). */
  readonly t: number;
  /** What sort of event it is. */
  readonly kind: RunEventKind;
  /** Task id, or null for the system as a whole. */
  readonly task: number | null;
  /** What happened, in a few words: the syscall's op, the UART line, the note's text, the check's name... */
  readonly name: string;
  /** Extra fields (e.g. a fault's address, a check's `passed`). */
  readonly args?: Readonly<Record<string, string | number | boolean>>;
}

/** A line a task printed (through its UART). */
export interface UartLine {
  /** When the line was printed (simulated microseconds). */
  readonly t: number;
  /** Id of the task that printed it. */
  readonly task: number;
  /** The line, without its newline. */
  readonly text: string;
}

/**
 * A fault, decoded the way the fault report shows it. Hardware faults fill every register field;
 * kernel-detected faults (a bad syscall pointer, the watchdog, the memory checker stopping a task)
 * have `hardware: false`, exception 0 and no CFSR bits.
 */
export interface FaultRecord {
  /** When the fault was taken (simulated microseconds). */
  readonly t: number;
  /** Id of the task that faulted, or null (kernel or unknown). */
  readonly task: number | null;
  /** Its name ("system" when `task` is null). */
  readonly taskName: string;
  /** "memmanage", "busfault", "usagefault", "hardfault", or a kernel kind ("bad-pointer", "watchdog", "checker"...). */
  readonly kind: string;
  /** Raised by the simulated core (true) or detected by the kernel (false). */
  readonly hardware: boolean;
  /** Exception taken: 3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault. */
  readonly exception: number;
  /** Name of `exception` ("HardFault", "MemManage", ...). */
  readonly exceptionName: string;
  /** The configurable fault raised ("MemManage", ...), even when escalated to HardFault. */
  readonly cause: string;
  /** The configurable fault `cause` was taken as a HardFault (`exception` 3). */
  readonly escalated: boolean;
  /** The fault happened at negative priority (HardFault or NMI handler): the core locked up. */
  readonly lockup: boolean;
  /**
   * Whether the core has the fault status registers `cfsr`, `hfsr`, `mmfar` and `bfar` come from.
   * False on ARMv6-M: every fault is a HardFault (`kind` "hardfault", `exception` 3), a handler
   * reads no fault register, and `cause`, `cfsr`, `cfsrNames`, `mmfar` and `bfar` are the
   * simulator's classification (what an ARMv7-M core would record); `hfsr` is 0.
   */
  readonly faultStatusRegisters: boolean;
  /** CFSR register value after the fault (may hold older bits). */
  readonly cfsr: number;
  /** Names of the CFSR bits set (e.g. "DACCVIOL", "MMARVALID"). */
  readonly cfsrNames: readonly string[];
  /** HFSR register value after the fault. */
  readonly hfsr: number;
  /** Names of the HFSR bits set (e.g. "FORCED"). */
  readonly hfsrNames: readonly string[];
  /** MMFAR when MMARVALID, else null. */
  readonly mmfar: number | null;
  /** BFAR when BFARVALID, else null. */
  readonly bfar: number | null;
  /** The access that faulted. */
  readonly access: {
    /** Address of the access. */
    readonly address: number;
    /** Bytes accessed. */
    readonly size: number;
    /** Read, write or instruction fetch. */
    readonly kind: "read" | "write" | "fetch";
    /** Made in privileged mode. */
    readonly privileged: boolean;
  };
  /** The app planned this fault (e.g. a rogue task being stopped): it does not fail the run. */
  readonly expected: boolean;
  /** What the task was doing, e.g. "read the kernel's memory". */
  readonly note: string;
  /** The one-line message of the hardware model's Fault. */
  readonly message: string;
  /** The MPU regions loaded when the fault was taken. */
  readonly mpuRegions: readonly MpuRegionInfo[];
  /**
   * Whose memory the access reached, as the kernel knows it (e.g. `the stack of task "imu"`,
   * `partition "ring"`, `kernel memory`), or null (no kernel, or a fault without an address).
   */
  readonly memory: string | null;
  /**
   * The line of code that faulted ("file:line:column in function"; the kernel's
   * `faultSites`), or null when none is known. Left out of the trace hash (as null).
   */
  readonly source: string | null;
  /** What the kernel's fault policy did ("stopped", "restarted", "panic"), or null. */
  readonly action: string | null;
  /** The kernel's full fault dump (Tock style), or null. */
  readonly dump: string | null;
}

/** A memory checker report (shape shared with `@rtos-sim/memcheck`'s reports). */
export interface CheckerReport {
  /** When it was reported (simulated microseconds). */
  readonly t: number;
  /** Id of the task that made the access or call (0: the kernel or boot code), or null. */
  readonly task: number | null;
  /**
   * The checker's report kind, e.g. "heap-buffer-overflow", "use-after-free", "double-free",
   * "uninitialized-read", "leak-definite".
   */
  readonly kind: string;
  /** `error` fails the run (unless expected); `warning` (a still-reachable block) never does. */
  readonly severity: "error" | "warning";
  /** First line, e.g. "heap-buffer-overflow on address 0x20001010 WRITE of size 4". */
  readonly message: string;
  /** The first offending byte (or the block), or null. */
  readonly address: number | null;
  /** Further lines (where the block was allocated / freed, shadow dump...). */
  readonly details: readonly string[];
  /** The app planned this report (e.g. the heap-bugs app): it does not fail the run. */
  readonly expected: boolean;
}

/** Bytes and blocks of one leak category. */
export interface LeakCount {
  /** Bytes of the blocks (their requested sizes). */
  readonly bytes: number;
  /** Number of blocks. */
  readonly blocks: number;
}

/**
 * The memory checker's leak check at the end of the run, in Valgrind Memcheck's categories
 * (its `LEAK SUMMARY`), plus the blocks it could not decide.
 */
export interface LeakSummaryInfo {
  /** No root and no block points into them. */
  readonly definite: LeakCount;
  /** Only lost blocks point into them. */
  readonly indirect: LeakCount;
  /** Only interior pointers reach them. */
  readonly possible: LeakCount;
  /** A chain of pointers from a root reaches them. */
  readonly reachable: LeakCount;
  /** Blocks of tasks still running or stopped by a fault that no root reaches: their registers (JS variables) may hold them. */
  readonly held: LeakCount;
}

/** A run of consecutive pages with one owner. */
export interface PageRun {
  /** Index of the first page in the region. */
  readonly page: number;
  /** Number of pages in the run (at least 1). */
  readonly count: number;
  /** Owner name, or null for free pages. "metadata" marks the region manager's own pages. */
  readonly owner: string | null;
}

/** The page map of one memory region (run-length encoded). */
export interface PageMapInfo {
  /** Name of the memory region. */
  readonly region: string;
  /** Address of page 0 (the region's first page-aligned byte). */
  readonly start: number;
  /** Bytes per page. */
  readonly pageSize: number;
  /** Number of whole pages. */
  readonly pages: number;
  /** The pages as runs of one owner, in address order, covering every page. */
  readonly runs: readonly PageRun[];
  /** Where the map comes from, e.g. "region manager" or "demo layout". */
  readonly source: string;
}

/** One sample of a counter: several named values at one time. */
export interface CounterSample {
  /** When the sample was taken (simulated microseconds). */
  readonly t: number;
  /** The values by name, in the series' `unit`. */
  readonly values: Readonly<Record<string, number>>;
}

/** A counter over time (memory use, heap bytes, pages in use...). */
export interface CounterSeries {
  /** The counter's name (e.g. "heap in use", "pages held", "response time"). */
  readonly name: string;
  /** Unit of the values, e.g. "bytes", "pages", "samples". */
  readonly unit: string;
  /** Samples in time order. */
  readonly samples: readonly CounterSample[];
}

/** A check the app made on its own outcome (e.g. "the flight outputs are identical"). */
export interface CheckResult {
  /** What is checked, as one line. */
  readonly name: string;
  /** Whether it held (false when skipped). */
  readonly passed: boolean;
  /** Measured values or why it failed or was skipped; may be empty. */
  readonly detail: string;
  /**
   * Present (true, with `passed` false) when the check could not be made: what it checks had
   * not happened yet when the run ended. It does not fail the run.
   */
  readonly skipped?: true;
}

/** The options a run used. */
export interface RunOptionsInfo {
  /** Seed of the run's PRNG (`--seed`). */
  readonly seed: number;
  /** Simulated duration asked for, in milliseconds (`--duration`, else the app's default). */
  readonly durationMs: number;
  /** Whether the memory checker was requested. */
  readonly memcheck: boolean;
  /** Still-reachable blocks were listed (`--show-reachable`); absent when not. */
  readonly showReachable?: true;
}

/** The outcome of a run: exit code 0 when ok, 1 otherwise. */
export interface Verdict {
  /** No problem: the run exits 0 (else 1). */
  readonly ok: boolean;
  /** One line per problem (unexpected fault, checker error, failed check, app crash). */
  readonly problems: readonly string[];
}

/**
 * What a long run did not keep: past its recording limit (`RECORD_LIMIT`, 200,000 entries by
 * default) a run keeps the first entries of each list and counts the rest, and halves the
 * resolution of a counter series instead (pairs of samples merged, the larger value kept). The
 * task table, the timing figures, the CPU load and the verdict cover the whole run.
 */
export interface RecordingInfo {
  /** The most entries kept per list and per counter series. */
  readonly limit: number;
  /** The most faults kept: `FAULT_RECORD_LIMIT` (10,000), or `limit` when smaller. */
  readonly faultLimit: number;
  /** Entries recorded but not kept, per list (0 for a list within the limit). */
  readonly dropped: {
    /** Run slices after the first `limit`. */
    readonly slices: number;
    /** Events after the first `limit`. */
    readonly events: number;
    /** UART lines after the first `limit`. */
    readonly uart: number;
    /** Faults after the first `faultLimit` (the unexpected ones among them still fail the run). */
    readonly faults: number;
    /** Checker reports after the first `limit` (the errors among them still fail the run). */
    readonly reports: number;
  };
  /** Counter samples merged into their neighbours, over all series. */
  readonly samplesMerged: number;
}

/** Everything a run produced. */
export interface RunResult {
  /** {@link RUN_RESULT_SCHEMA}. */
  readonly schema: string;
  /** The app that ran. */
  readonly app: {
    /** App name (as `rtos-sim run` takes it for a built-in app). */
    readonly name: string;
    /** One line about what the app shows. */
    readonly summary: string;
    /** "builtin", or "file" for `rtos-sim run ./my-app.ts`. */
    readonly source: "builtin" | "file";
    /** Absolute path of the app file, or null. */
    readonly file: string | null;
  };
  /** The board the run used. */
  readonly board: BoardInfo;
  /** The options the run used. */
  readonly options: RunOptionsInfo;
  /** Whether the memory checker actually ran (false until the app wires `@rtos-sim/memcheck`). */
  readonly memcheckActive: boolean;
  /** Simulated time covered by the run. */
  readonly simulatedUs: number;
  /** Core cycles at the end of the run. */
  readonly cycles: number;
  /**
   * Share of the simulated time the CPU was busy (0..1), or null when the run does not know
   * (a machine app without a scheduler).
   */
  readonly cpuLoad: number | null;
  /** Wall-clock time the run took (not deterministic; everything else is, for a given seed). */
  readonly wallMs: number;
  /** Every task, by id (index 0 is the kernel). */
  readonly tasks: readonly TaskResult[];
  /** Run slices in the order they were recorded (what the timeline shows). */
  readonly slices: readonly TaskSlice[];
  /** Instant events in the order they were recorded. */
  readonly events: readonly RunEvent[];
  /** Lines the tasks printed, in order. */
  readonly uart: readonly UartLine[];
  /** Faults, in order (expected ones included). */
  readonly faults: readonly FaultRecord[];
  /** Memory checker reports, in order (empty when the checker did not run). */
  readonly reports: readonly CheckerReport[];
  /** The leak summary at the end of the run, or null when the memory checker did not run. */
  readonly leaks: LeakSummaryInfo | null;
  /** Page maps of the memory regions (empty when the app records none). */
  readonly pageMaps: readonly PageMapInfo[];
  /** Counters sampled over the run (memory use, heap bytes, pages...). */
  readonly counters: readonly CounterSeries[];
  /** Checks the app made on its own outcome. */
  readonly checks: readonly CheckResult[];
  /** Configuration warnings of the hardware model (UNPREDICTABLE settings the project resolved). */
  readonly warnings: readonly string[];
  /** Whether the run passed, and why not. */
  readonly verdict: Verdict;
  /** What the run did not keep, present only when it reached its recording limit (a long run). */
  readonly recording?: RecordingInfo;
}
