import { decodeCfsr, decodeHfsr, exceptionName, type Fault, hex32, MpuCtrl, type MpuRegionView } from "@rtos-sim/hw";
import { formatReport, formatSourceSite, type MemReport, type SourceSite } from "@rtos-sim/memcheck";
import type { MpuPlan } from "./mpu-plan.js";

/** Kinds of task fault the kernel reports. */
export type FaultKind =
  | "memmanage"
  | "busfault"
  | "usagefault"
  | "hardfault"
  | "stack-overflow"
  | "checker"
  | "watchdog"
  | "bad-syscall"
  | "bad-pointer"
  | "heap"
  | "uncaught";

/** What the fault policy did. */
export type FaultAction = "stopped" | "restarted" | "panic";

/** A task's fault, decoded, with what was done about it. */
export interface FaultRecord {
  /** Name of the faulting task. */
  readonly task: string;
  /** Its id (1-based, in spawn order). */
  readonly taskId: number;
  /** Simulated time in ms. */
  readonly ms: number;
  /** The fault's class, from the error that stopped the task (see {@link classifyFault}). */
  readonly kind: FaultKind;
  /** One line a person can read. */
  readonly message: string;
  /**
   * The hardware fault, decoded: present only when the core raised one (MemManage, BusFault,
   * UsageFault or HardFault, including a stack overflow the guard or PSPLIM caught); absent for
   * the others (watchdog, syscall, bad-pointer, checker, heap, uncaught).
   */
  readonly hw?: {
    /** The exception taken: "MemManage", "BusFault", "UsageFault", or "HardFault" when it escalated. */
    readonly exception: string;
    /** The configurable fault raised ("MemManage", "BusFault" or "UsageFault"), even when escalated. */
    readonly cause: string;
    /** The CFSR bits this fault set (MMFSR in bits 0-7, BFSR 8-15, UFSR 16-31). */
    readonly cfsr: number;
    /** Names of the set CFSR bits, e.g. `["DACCVIOL", "MMARVALID"]`. */
    readonly cfsrNames: readonly string[];
    /** HFSR after the fault (FORCED when the fault escalated to HardFault). */
    readonly hfsr: number;
    /** Names of the set HFSR bits, e.g. `["FORCED"]`. */
    readonly hfsrNames: readonly string[];
    /** MMFAR (MemManage) or BFAR (BusFault) when valid (MMARVALID / BFARVALID), else null. */
    readonly faultAddress: number | null;
    /**
     * Whether the core has the fault status registers that hold `cfsr`, `hfsr` and `faultAddress`.
     * False on ARMv6-M (Cortex-M0+): the exception is always HardFault and a handler reads no
     * fault status or address register; `cause`, `cfsr`, `cfsrNames` and `faultAddress` are then
     * what the simulator knows (what an ARMv7-M core would record for the access), and `hfsr` is
     * 0 (docs/fault-reports.md, "ARMv6-M").
     */
    readonly faultStatusRegisters: boolean;
    /** The access that faulted. */
    readonly access: {
      /** Its first byte's address (unsigned 32-bit). */
      readonly address: number;
      /** Bytes accessed (1, 2 or 4). */
      readonly size: number;
      /** `"read"`, `"write"` or `"fetch"` (an instruction fetch). */
      readonly kind: string;
      /** Whether the MPU checked it as privileged. */
      readonly privileged: boolean;
    };
  };
  /**
   * The line of the task's code that faulted (see `KernelOptions.faultSites`): present when the
   * fault was raised in the task's own code (a hardware fault at its access, an error it threw)
   * and its record is kept.
   */
  readonly source?: SourceSite;
  /**
   * Whose memory the faulting access reached (see {@link whoseMemory}), for a hardware fault
   * with an address: e.g. `the stack of task "imu"`, `partition "ring"`, `kernel memory`.
   */
  readonly memory?: string;
  /**
   * The memory checker's report, when the checker stopped the task (kind `checker`, or
   * `stack-overflow` when the report is one).
   */
  readonly checker?: MemReport;
  /**
   * Present when the MPU held other regions than the task's plan when it faulted: its TCB's MPU
   * record had been overwritten and was loaded as found, or the switch to the task faulted before
   * it loaded the task's record (docs/mpu-model.md). The regions the registers held (every
   * region, enabled or not, in number order) and, when they were not the task's own record,
   * whose configuration they were (`task "b"`, `kernel`). The dump lists the same.
   */
  readonly mpuHeld?: {
    /** The MPU's regions as its registers held them. */
    readonly regions: readonly MpuRegionView[];
    /** Why they were not the plan's, as the dump says it (the kernel's `notPlanReason`, not exported). */
    readonly reason: string;
    /** Whose configuration the registers held, when it was not the task's record. */
    readonly heldBy?: string;
    /** MPU_CTRL, when it was not the value the kernel set at boot (ENABLE, PRIVDEFENA). */
    readonly control?: number;
    /** PSPLIM as the record loaded it and as the plan has it, when they differ (PMSAv8). */
    readonly stackLimit?: StackLimitDifference;
    /** The registers decode to the plan's regions (the record differed elsewhere: PSPLIM, words that load the same regions). */
    readonly regionsSame?: true;
  };
  /** What the task's fault policy did: stopped it, restarted it, or panicked the system. */
  readonly action: FaultAction;
  /** The full dump (Tock's process printer style). */
  readonly dump: string;
}

/** Decodes a hw fault into the record's `hw` part. */
export function decodeFault(f: Fault): NonNullable<FaultRecord["hw"]> {
  const kind = f.access.kind === 0 ? "read" : f.access.kind === 1 ? "write" : "fetch";
  return {
    exception: exceptionName(f.exception),
    cause: exceptionName(f.cause),
    cfsr: f.cfsr,
    cfsrNames: decodeCfsr(f.cfsr),
    hfsr: f.hfsr,
    hfsrNames: decodeHfsr(f.hfsr),
    faultAddress: f.faultAddress,
    faultStatusRegisters: f.faultStatusRegisters,
    access: { address: f.access.address, size: f.access.size, kind, privileged: f.access.privileged },
  };
}

/** Bits set in a byte (RASR.SRD). */
function popcount8(v: number): number {
  let n = 0;
  for (let b = v & 0xff; b !== 0; b &= b - 1) n++;
  return n;
}

function size(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

/**
 * One MPU region as a dump line: number, base, size, access, XN, type, subregions (PMSAv7
 * regions of 256 B or more: 1 = enabled, lowest first), label.
 */
export function formatRegion(r: MpuRegionView, label?: string): string {
  const subs =
    r.subregions !== null && r.size >= 256 ? ` subregions ${r.subregions.map((on) => (on ? "1" : "0")).join("")}` : "";
  return `  #${String(r.number).padStart(2)} ${
    r.enabled
      ? `${hex32(r.base)} ${size(r.size).padStart(7)} ${r.access.padEnd(15)} ${r.xn ? "XN" : "X "} ${r.attributes.type}${subs}`
      : "disabled"
  }${label ? `  ${label}` : ""}`;
}

/** Inputs of {@link formatFaultDump}. */
export interface DumpInput {
  /** Name of the faulting task. */
  readonly task: string;
  /** Its id (1-based). */
  readonly taskId: number;
  /** Simulated time of the fault in ms (printed with 3 decimals). */
  readonly ms: number;
  /** The fault's class (see {@link classifyFault}). */
  readonly kind: FaultKind;
  /** The one-line description printed after the kind. */
  readonly message: string;
  /** The task's scheduler state when the dump is made (e.g. "faulted"). */
  readonly state: string;
  /** The task's priority (0..31). */
  readonly priority: number;
  /**
   * Whether the task runs privileged: its TCB's CONTROL as its last switch-in loaded it, or for a
   * task off the CPU, as the word in its TCB is now (what its next switch-in loads).
   */
  readonly privileged: boolean;
  /**
   * Set when that privilege is not the one its spec gives it: its TCB's CONTROL word was
   * overwritten (`TcbField.CONTROL`, docs/mpu-model.md).
   */
  readonly controlForged?: boolean | undefined;
  /** Restarts the task has had before this fault. */
  readonly restarts: number;
  /** The fault policy as {@link policyName} shows it (e.g. "restart up to 3"). */
  readonly policy: string;
  /** What the policy does with this fault. */
  readonly action: FaultAction;
  /** The task's stack: block, guard and stack pointer. */
  readonly stack: {
    /** Lowest address of the stack block (the guard starts here). */
    readonly base: number;
    /** One past the block's highest byte (the initial SP). */
    readonly top: number;
    /** The task's SP (PSP) at the fault. */
    readonly sp: number;
    /** Bytes of the stack guard at `base` ({@link GUARD_BYTES}). */
    readonly guard: number;
  };
  /** The task's code address (its entry). */
  readonly code: number;
  /** The task's plan: its memory map is the plan's task regions, in region order. */
  readonly plan: MpuPlan;
  /** The plan's regions decoded (`plan.views()`), or the registers' when {@link DumpInput.notPlan}. */
  readonly regions: readonly MpuRegionView[];
  /**
   * The MPU held other regions than the task's plan when it faulted: its TCB's MPU record had been
   * overwritten since the kernel stored it (docs/mpu-model.md), and a switch loaded it as found.
   */
  readonly notPlan?: boolean | undefined;
  /**
   * With {@link DumpInput.notPlan}: whose configuration the registers held (`task "b"`, `kernel`)
   * when the fault came in a switch to the task before it loaded the task's record (PendSV reads
   * the saved SP first); absent when they held the task's own record.
   */
  readonly heldBy?: string | undefined;
  /**
   * With {@link DumpInput.notPlan}: the task's plan was loaded, and the MPU's registers were
   * written since (a privileged task's stores to RNR, RBAR, RASR...).
   */
  readonly registersWritten?: boolean | undefined;
  /** With {@link DumpInput.notPlan}, a record loaded as found: what it changed besides the regions. */
  readonly difference?: RecordDifference | undefined;
  /**
   * MPU_CTRL at the fault (`value`) when it was not what the kernel set at boot (`set`): printed
   * with the regions, whose answers it changes (ENABLE, PRIVDEFENA).
   */
  readonly mpuControl?:
    | {
        /** MPU_CTRL at the fault. */
        readonly value: number;
        /** MPU_CTRL as the kernel set it at boot. */
        readonly set: number;
      }
    | undefined;
  /** The core's fault, when there is one: its exception, CFSR/HFSR, MMFAR/BFAR and access are printed. */
  readonly fault?: Fault | undefined;
  /** The memory checker's report, printed at the end when present. */
  readonly checker?: MemReport | undefined;
  /** The line of the task's code that faulted, printed under the message when present. */
  readonly source?: SourceSite | undefined;
  /** Whose memory the faulting access reached, printed after the access when present. */
  readonly memory?: string | undefined;
}

/** PSPLIM as a task's record loaded it, against its plan's (PMSAv8: the record's last word). */
export interface StackLimitDifference {
  /** PSPLIM as the record loaded it. */
  readonly value: number;
  /** PSPLIM as the task's plan has it (its stack guard's top). */
  readonly plan: number;
}

/**
 * What a record loaded as found changed besides the regions: PSPLIM, the record's last word on
 * PMSAv8 (`stackLimit`: the value loaded and the plan's), or nothing the regions show
 * (`regionsSame`: the registers decode to the plan's regions; what differs is PSPLIM, or words
 * that load the same regions: reserved bits, a disabled region's words, on PMSAv8 a MAIR attribute
 * no region uses).
 */
export interface RecordDifference {
  /** PSPLIM as loaded from the record, and as the plan has it, when they differ. */
  readonly stackLimit?: StackLimitDifference;
  /** The registers decode to the plan's regions (those enabled; a region disabled in both matches nothing). */
  readonly regionsSame?: boolean;
  /** The MPU's architecture (MAIR attributes are PMSAv8's: the message names them only there). */
  readonly architecture?: string;
}

/**
 * Why the MPU held other regions than a faulting task's plan, as its dump and its record say it:
 * the switch to it had not loaded its record yet (`heldBy`: whose the registers were), its MPU
 * registers were written since its plan was loaded (`registersWritten`), or else its TCB's MPU
 * record was overwritten and loaded as found (and then what it changed, `difference`).
 */
export function notPlanReason(heldBy?: string, registersWritten?: boolean, difference?: RecordDifference): string {
  if (heldBy !== undefined)
    return `the switch had not loaded its record yet; the registers held the regions of ${heldBy}`;
  if (registersWritten === true) return "its MPU registers were written since its plan was loaded";
  const found = "its TCB's MPU record was overwritten, and loaded as found";
  const limit = difference?.stackLimit;
  const what =
    limit !== undefined
      ? `PSPLIM ${hex32(limit.value)}, the plan's ${hex32(limit.plan)}`
      : difference?.regionsSame === true
        ? `the words that differ load the same regions (reserved bits, a disabled region's words${difference.architecture === "pmsav8" ? ", a MAIR attribute no region uses" : ""})`
        : "";
  const same = difference?.regionsSame === true ? "the plan's regions, but " : "";
  return what === "" ? found : `${same}${found}: ${what}`;
}

/**
 * A fault dump like Tock's process printer: the task, its state, its memory map, its MPU regions
 * with subregions, the decoded CFSR/HFSR and fault address, and the checker's report.
 */
export function formatFaultDump(d: DumpInput): string {
  const lines: string[] = [];
  lines.push(`---| Fault in task "${d.task}" (id ${d.taskId}) at t=${d.ms.toFixed(3)} ms |---`);
  lines.push(`${d.kind}: ${d.message}`);
  if (d.source) lines.push(`  at ${formatSourceSite(d.source)}`);
  if (d.fault) {
    const f = d.fault;
    lines.push(
      `  exception ${f.exception} (${exceptionName(f.exception)})${f.exception !== f.cause && f.faultStatusRegisters ? `, escalated from ${exceptionName(f.cause)}` : ""}${f.lockup ? ", LOCKUP" : ""}`,
    );
    if (f.faultStatusRegisters) {
      lines.push(`  CFSR  = ${hex32(f.cfsr)}  ${decodeCfsr(f.cfsr).join(" ") || "-"}`);
      lines.push(`  HFSR  = ${hex32(f.hfsr)}  ${decodeHfsr(f.hfsr).join(" ") || "-"}`);
      if (f.faultAddress !== null) lines.push(`  ${f.cause === 4 ? "MMFAR" : "BFAR "} = ${hex32(f.faultAddress)}`);
    } else {
      // ARMv6-M: the silicon tells the handler nothing more; what follows is the simulator's.
      lines.push(
        "  silicon: HardFault only (ARMv6-M has no CFSR, HFSR, MMFAR or BFAR; the handler sees its stacked frame)",
      );
      lines.push(
        `  simulator: ${exceptionName(f.cause)} ${decodeCfsr(f.cfsr).join(" ") || "-"}${f.faultAddress !== null ? ` at ${hex32(f.faultAddress)}` : ""} (what an ARMv7-M core would record)`,
      );
    }
    const k = f.access.kind === 0 ? "read" : f.access.kind === 1 ? "write" : "fetch";
    lines.push(
      `  access: ${k} of ${f.access.size} byte(s) at ${hex32(f.access.address)}, ${f.access.privileged ? "privileged" : "unprivileged"}`,
    );
    if (d.memory !== undefined) lines.push(`  memory: ${d.memory}`);
  }
  lines.push(
    `Task: state ${d.state}, priority ${d.priority}, ${d.privileged ? "privileged" : "unprivileged"}${d.controlForged ? " (its TCB's CONTROL word was overwritten: its spec says otherwise)" : ""}, restarts ${d.restarts}, policy ${d.policy} -> ${d.action}`,
  );
  lines.push(
    `Stack: [${hex32(d.stack.base)}, ${hex32(d.stack.top)}) guard [${hex32(d.stack.base)}, ${hex32(
      d.stack.base + d.stack.guard,
    )}) SP = ${hex32(d.stack.sp)}`,
  );
  lines.push(`Code: ${hex32(d.code)}`);
  lines.push("Memory map:");
  for (const g of d.plan.regions) {
    if (g === null || g.kernel) continue;
    // An ARMv6-M stack guard is the lowest subregions of a 256-byte region: the bytes it covers.
    const srd = g.subregionDisable ?? 0;
    const span = srd === 0 ? g.size : (g.size / 8) * (8 - popcount8(srd));
    const of = srd === 0 ? "" : ` (subregions of a ${size(g.size)} region)`;
    lines.push(
      `  ${g.label.padEnd(24)} ${hex32(g.base)}-${hex32(g.base + span)} ${size(span).padStart(7)} ${g.access}${
        g.executable ? ", executable" : ""
      }${of}`,
    );
  }
  if (d.mpuControl !== undefined) {
    const c = d.mpuControl;
    lines.push(
      `MPU_CTRL = ${hex32(c.value)} (${ctrlBits(c.value)}), not the ${hex32(c.set)} (${ctrlBits(c.set)}) the kernel set`,
    );
  }
  if (d.notPlan && d.difference?.regionsSame === true) {
    lines.push(`MPU regions (${notPlanReason(d.heldBy, d.registersWritten, d.difference)}):`);
    for (const r of d.regions) lines.push(formatRegion(r, d.plan.regions[r.number]?.label));
  } else if (d.notPlan) {
    lines.push(`MPU regions (not the task's plan: ${notPlanReason(d.heldBy, d.registersWritten, d.difference)}):`);
    for (const r of d.regions) lines.push(formatRegion(r, undefined));
  } else {
    lines.push("MPU regions:");
    for (const r of d.regions) lines.push(formatRegion(r, d.plan.regions[r.number]?.label));
  }
  if (d.checker) {
    lines.push("Memory checker:");
    for (const l of formatReport(d.checker).split("\n")) lines.push(`  ${l}`);
  }
  return lines.join("\n");
}

/** MPU_CTRL's set bits by name (`ENABLE PRIVDEFENA`), or `-`. */
function ctrlBits(ctrl: number): string {
  const names = Object.entries(MpuCtrl).flatMap(([name, bit]) => ((ctrl & bit) !== 0 ? [name] : []));
  return names.length > 0 ? names.join(" ") : "-";
}
