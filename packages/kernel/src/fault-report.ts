import { decodeCfsr, decodeHfsr, exceptionName, type Fault, hex32, type MpuRegionView } from "@rtos-sim/hw";
import { formatReport, type MemReport } from "@rtos-sim/memcheck";
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
  readonly task: string;
  readonly taskId: number;
  /** Simulated time in ms. */
  readonly ms: number;
  readonly kind: FaultKind;
  /** One line a person can read. */
  readonly message: string;
  /** The hardware fault, decoded (absent for watchdog, syscall and checker faults). */
  readonly hw?: {
    readonly exception: string;
    readonly cause: string;
    readonly cfsr: number;
    readonly cfsrNames: readonly string[];
    readonly hfsr: number;
    readonly hfsrNames: readonly string[];
    readonly faultAddress: number | null;
    readonly access: {
      readonly address: number;
      readonly size: number;
      readonly kind: string;
      readonly privileged: boolean;
    };
  };
  /** The memory checker's report, when the checker stopped the task. */
  readonly checker?: MemReport;
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
    access: { address: f.access.address, size: f.access.size, kind, privileged: f.access.privileged },
  };
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
  readonly task: string;
  readonly taskId: number;
  readonly ms: number;
  readonly kind: FaultKind;
  readonly message: string;
  readonly state: string;
  readonly priority: number;
  readonly privileged: boolean;
  readonly restarts: number;
  readonly policy: string;
  readonly action: FaultAction;
  readonly stack: { readonly base: number; readonly top: number; readonly sp: number; readonly guard: number };
  readonly code: number;
  /** The task's plan: its memory map is the plan's task regions, in region order. */
  readonly plan: MpuPlan;
  /** The plan's regions decoded (`plan.views()`). */
  readonly regions: readonly MpuRegionView[];
  readonly fault?: Fault;
  readonly checker?: MemReport;
}

/**
 * A fault dump like Tock's process printer: the task, its state, its memory map, its MPU regions
 * with subregions, the decoded CFSR/HFSR and fault address, and the checker's report.
 */
export function formatFaultDump(d: DumpInput): string {
  const lines: string[] = [];
  lines.push(`---| Fault in task "${d.task}" (id ${d.taskId}) at t=${d.ms.toFixed(3)} ms |---`);
  lines.push(`${d.kind}: ${d.message}`);
  if (d.fault) {
    const f = d.fault;
    lines.push(
      `  exception ${f.exception} (${exceptionName(f.exception)})${f.exception !== f.cause ? `, escalated from ${exceptionName(f.cause)}` : ""}${f.lockup ? ", LOCKUP" : ""}`,
    );
    lines.push(`  CFSR  = ${hex32(f.cfsr)}  ${decodeCfsr(f.cfsr).join(" ") || "-"}`);
    lines.push(`  HFSR  = ${hex32(f.hfsr)}  ${decodeHfsr(f.hfsr).join(" ") || "-"}`);
    if (f.faultAddress !== null) lines.push(`  ${f.cause === 4 ? "MMFAR" : "BFAR "} = ${hex32(f.faultAddress)}`);
    const k = f.access.kind === 0 ? "read" : f.access.kind === 1 ? "write" : "fetch";
    lines.push(
      `  access: ${k} of ${f.access.size} byte(s) at ${hex32(f.access.address)}, ${f.access.privileged ? "privileged" : "unprivileged"}`,
    );
  }
  lines.push(
    `Task: state ${d.state}, priority ${d.priority}, ${d.privileged ? "privileged" : "unprivileged"}, restarts ${d.restarts}, policy ${d.policy} -> ${d.action}`,
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
    lines.push(
      `  ${g.label.padEnd(24)} ${hex32(g.base)}-${hex32(g.base + g.size)} ${size(g.size).padStart(7)} ${g.access}${
        g.executable ? ", executable" : ""
      }`,
    );
  }
  lines.push("MPU regions:");
  for (const r of d.regions) lines.push(formatRegion(r, d.plan.regions[r.number]?.label));
  if (d.checker) {
    lines.push("Memory checker:");
    for (const l of formatReport(d.checker).split("\n")) lines.push(`  ${l}`);
  }
  return lines.join("\n");
}
