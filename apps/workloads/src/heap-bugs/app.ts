import {
  type AppCheck,
  type AppDescription,
  type AppEnv,
  array,
  defineApp,
  type FaultRecord,
  fn,
  type HeapKind,
  type Kernel,
  struct,
  type TaskContext,
  type TaskSpec,
  u8,
  u16,
  u32,
} from "@rtos-sim/kernel";
import { formatSourceSite, type MemReport, type ReportKind } from "@rtos-sim/memcheck";
import { notReached } from "../shared/not-reached.js";
import { uartWrite } from "../shared/uart.js";

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
/** Milliseconds between two bugs (the first at 10 ms). */
export const BUG_SPACING_MS = 10;
/** When bug `index` of {@link HEAP_BUGS} strikes (ms): the time its task wakes. */
export const bugAt = (index: number): number => BUG_SPACING_MS * (index + 1);

/** A parser's frame: a length, an 8-byte name (a local array between two scalars), a checksum. */
const PARSE_NAME = fn("parse_name", { locals: { len: u32, name: array(u8, 8), crc: u32 } });

/** A formatter's frame: a reading and the 12-byte text it formats it into (a local array). */
const FORMAT_READING = fn("format_reading", { locals: { value: u32, text: array(u8, 12) } });

/**
 * A telemetry record as a C compiler lays it out: 2 bytes of padding after `id`, 3 after
 * `flags` (16 bytes), the padding never written by code that sets every field.
 */
const TELEMETRY = struct("telemetry", { id: u16, reading: u32, time: u32, flags: u8 });

/** The queue the `uninit-send` task sends its record to. */
export const TELEMETRY_QUEUE = "telemetry";

/** One classic memory bug (the heap's, and two on the stack), in its own task, and the checker report it must produce. */
export interface HeapBug {
  /** Task name. */
  readonly task: string;
  /** The report kind the checker must produce for this task. */
  readonly kind: ReportKind;
  /** What the task does wrong, in words. */
  readonly what: string;
  /** Whether the task is expected to be stopped (write errors, bad frees and copies stop; reads, leaks and refused allocations do not). */
  readonly stops: boolean;
  /** The task's heap, when not the default 2 KiB TLSF heap. */
  readonly heap?: {
    /** The heap's allocator. */
    readonly kind: HeapKind;
    /** The heap's size in bytes. */
    readonly size: number;
  };
  /** The queues the task may send to, when it needs any. */
  readonly queues?: Readonly<Record<string, "send">>;
  /**
   * What a board without the checker does with the bug (`--no-memcheck`): `undetected`, it goes
   * through in silence and the task runs on past it; `allocator`, the allocator's own checks stop
   * the task (`INVALID_FREE`); `refused`, the call returns 0 (NULL), as C's must.
   */
  readonly withoutChecker: "undetected" | "allocator" | "refused";
  /**
   * The bug; `say` prints a line on the UART. Its last line says what the task saw after the
   * bug (a run without the checker gets there); a `refused` bug returns what the call gave.
   */
  readonly body: (t: TaskContext, say: (line: string) => void) => Generator<unknown, number | undefined, unknown>;
}

/** The bugs, in the order they strike. */
export const HEAP_BUGS: readonly HeapBug[] = [
  {
    task: "overflow",
    kind: "heap-buffer-overflow",
    what: "strcpy's a 24-character name into malloc(strlen(name)): the NUL lands one past the block",
    stops: true,
    withoutChecker: "undetected",
    *body(t, say) {
      const name = yield* t.malloc(32, 8, "overflow: received name");
      t.writeString(name, "pressure-sensor-bay-0042\0"); // 24 characters and the NUL
      const n = t.strlen(name);
      const p = yield* t.malloc(n, 8, "overflow: name buffer"); // strlen(name) bytes: no room for the NUL
      say(`overflow: strcpy of the ${n}-character name into the ${n}-byte block at ${hex(p)}`);
      t.strcpy(p, name); // the terminating NUL lands one past the end
      say(`overflow: strcpy returned: its NUL went to ${hex(p + n)}, one past the block, and nothing stopped it`);
      return undefined;
    },
  },
  {
    task: "use-after-free",
    kind: "use-after-free",
    what: "reads a block after freeing it",
    stops: false,
    withoutChecker: "undetected",
    *body(t, say) {
      const p = yield* t.malloc(32, 8, "use-after-free: message");
      t.write32(p, 0xc0ffee);
      yield* t.free(p);
      const v = t.read32(p); // a stale pointer: reported, the read goes on ("stop-writes" policy)
      say(`use-after-free: read ${hex(v)} from the freed block at ${hex(p)} (a read: the task goes on)`);
      return undefined;
    },
  },
  {
    task: "double-free",
    kind: "double-free",
    what: "frees the same block twice",
    stops: true,
    withoutChecker: "allocator",
    *body(t, say) {
      const p = yield* t.malloc(16, 8, "double-free: packet");
      yield* t.free(p);
      say(`double-free: freed ${hex(p)} once; freeing it again`);
      yield* t.free(p);
      say(`double-free: the second free of ${hex(p)} returned`);
      return undefined;
    },
  },
  {
    task: "invalid-free",
    kind: "invalid-free",
    what: "frees a pointer into the middle of a block",
    stops: true,
    withoutChecker: "allocator",
    *body(t, say) {
      const p = yield* t.malloc(64, 8, "invalid-free: table");
      say(`invalid-free: freeing ${hex(p + 8)}, 8 bytes into the block at ${hex(p)}`);
      yield* t.free(p + 8);
      say(`invalid-free: the free of ${hex(p + 8)} returned`);
      return undefined;
    },
  },
  {
    task: "uninit-read",
    kind: "uninitialized-read",
    what: "reads a word of a fresh block it never wrote",
    stops: false,
    withoutChecker: "undetected",
    *body(t, say) {
      const p = yield* t.malloc(16, 8, "uninit-read: config");
      t.write32(p, 1); // the first field is set...
      const v = t.read32(p + 8); // ...the third never was
      say(`uninit-read: read ${hex(v)} at ${hex(p + 8)}, never written since malloc`);
      yield* t.free(p);
      return undefined;
    },
  },
  {
    task: "leak",
    kind: "leak-definite",
    what: "ends holding a block nothing points to",
    stops: false,
    withoutChecker: "undetected",
    *body(t, say) {
      const p = yield* t.malloc(48, 8, "leak: session");
      t.fill(p, 0x5a, 48);
      say(`leak: exiting while holding the 48-byte block at ${hex(p)} (its only pointer dies with the task)`);
      return undefined;
    },
  },
  {
    task: "overlap",
    kind: "overlapping-copy",
    what: "shifts a buffer with memcpy, onto itself",
    stops: true,
    withoutChecker: "undetected",
    *body(t, say) {
      const p = yield* t.malloc(32, 8, "overlap: line buffer");
      t.memset(p, 0x20, 32);
      say(`overlap: shifting [${hex(p)}, +16) right by 4 bytes with memcpy (memmove is the call for that)`);
      t.memcpy(p + 4, p, 16);
      say(`overlap: memcpy returned: [${hex(p + 4)}, +16) now holds what the copy left there, unchecked`);
      return undefined;
    },
  },
  {
    task: "calloc",
    kind: "calloc-overflow",
    what: "asks calloc for 65536 elements of 65537 bytes",
    stops: false,
    withoutChecker: "refused",
    *body(t, say) {
      const [n, size] = [0x10000, 0x10001];
      const p = yield* t.calloc(n, size, "calloc: sample table");
      const wrapped = Math.imul(n, size) >>> 0;
      say(
        `calloc: calloc(${n}, ${size}) gave ${hex(p)}: n * size does not fit 32 bits (malloc(n * size) would get ${wrapped} bytes)`,
      );
      return p;
    },
  },
  {
    task: "too-big",
    kind: "allocation-size-too-big",
    what: "mallocs 64 MiB",
    stops: false,
    withoutChecker: "refused",
    *body(t, say) {
      const p = yield* t.malloc(64 * 1024 * 1024, 8, "too-big: frame buffer");
      say(`too-big: malloc(64 MiB) gave ${hex(p)}: above the largest allocation (16 MiB)`);
      return p;
    },
  },
  {
    task: "pager",
    kind: "use-after-free",
    what: "reads a record whose slab's pages went back to the page allocator",
    stops: false,
    withoutChecker: "undetected",
    heap: { kind: "slab-array", size: 4096 },
    *body(t, say) {
      const records: number[] = [];
      for (let i = 0; i < 16; i++) records.push(yield* t.calloc(1, 24, "pager: record"));
      const last = records.at(-1)!;
      for (const r of records) yield* t.free(r, "pager: record done");
      // Churn the heap: the quarantine lets the records go, their emptied slabs give their pages back.
      for (let i = 0; i < 8; i++) yield* t.free(yield* t.malloc(200, 8, "pager: churn"));
      const v = t.read32(last); // a stale pointer into pages no slab holds any more
      say(`pager: read ${hex(v)} at ${hex(last)}, in a slab's pages returned to the heap's page pool`);
      return undefined;
    },
  },
  {
    task: "stack-buf",
    kind: "stack-buffer-overflow",
    what: "copies an 8-character name and its NUL into an 8-byte local array",
    stops: true,
    withoutChecker: "undetected",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t, say) {
      const f = t.enter(PARSE_NAME); // push {r4-r7, lr}; sub sp, #...: the locals on the task's stack
      f.locals.crc = 0xbeef;
      const src = "sensor-1";
      say(`stack-buf: copying "${src}" and its NUL into the 8-byte local name at ${hex(f.locals.name.address)}`);
      for (let i = 0; i < src.length; i++) f.locals.name.set(i, src.charCodeAt(i));
      f.locals.name.set(src.length, 0); // strcpy's terminating NUL, one past the end: into crc without the checker
      say(`stack-buf: the copy returned: crc, set to 0x0000beef, reads ${hex(f.locals.crc)}`);
      t.leave(f);
      return undefined;
    },
  },
  {
    task: "stack-uar",
    kind: "stack-use-after-return",
    what: "reads a local array through the pointer its function returned",
    stops: false,
    withoutChecker: "undetected",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t, say) {
      const f = t.enter(FORMAT_READING); // char *format_reading(int value) { char text[12]; ...; return text; }
      f.locals.value = 42;
      const digits = "42 mV";
      for (let i = 0; i < digits.length; i++) f.locals.text.set(i, digits.charCodeAt(i));
      f.locals.text.set(digits.length, 0);
      const text = f.locals.text.address; // the pointer the function returns
      t.leave(f); // its frame is popped; the caller keeps the pointer
      const c = t.read8(text); // the caller prints the string: a returned frame's byte (reported)
      say(`stack-uar: read '${String.fromCharCode(c)}' at ${hex(text)}, in the frame format_reading returned`);
      return undefined;
    },
  },
  {
    task: "uninit-send",
    kind: "uninitialized-read",
    what: "sends a struct to a queue with its padding never written",
    stops: false,
    withoutChecker: "undetected",
    queues: { [TELEMETRY_QUEUE]: "send" },
    *body(t, say) {
      const p = yield* t.malloc(TELEMETRY.size, TELEMETRY.align, "uninit-send: telemetry record");
      const rec = TELEMETRY.at(t, p);
      rec.id = 7; // every field set, the 5 bytes of padding not (Memcheck: "Syscall param ... uninitialised")
      rec.reading = 1234;
      rec.time = 5678;
      rec.flags = 1;
      const r = yield* t.send(TELEMETRY_QUEUE, p, TELEMETRY.size);
      say(
        `uninit-send: sent the ${TELEMETRY.size}-byte record at ${hex(p)} (result ${r}), its padding at +2 never written`,
      );
      yield* t.free(p);
      return undefined;
    },
  },
];

/** What a bug's task saw once past its bug: its last UART line and what a `refused` bug's call returned. */
export interface PastTheBug {
  /** The last line the task printed. */
  readonly line: string;
  /** What a `refused` bug's call returned. */
  readonly returned: number | undefined;
}

/** The tasks that got past their bug, by the run's environment (read by the run's checks). */
const pastTheBug = new WeakMap<AppEnv, Map<string, PastTheBug>>();

function bugTask(env: AppEnv, bug: HeapBug, at: number): TaskSpec {
  const uart = env.device("uart");
  const past = pastTheBug.get(env) ?? new Map<string, PastTheBug>();
  pastTheBug.set(env, past);
  return {
    name: bug.task,
    priority: 1,
    stackSize: 1024,
    heapSize: bug.heap?.size ?? 2048,
    ...(bug.heap ? { heap: bug.heap.kind } : {}),
    devices: ["uart"],
    ...(bug.queues ? { queues: bug.queues } : {}),
    *main(t) {
      yield* t.sleep({ ms: at });
      let line = "";
      const returned = yield* bug.body(t, (text) => {
        line = text;
        uartWrite(t, uart, `${text}\n`);
      });
      past.set(bug.task, { line, returned });
    },
  };
}

/** One report as the app's check shows it: kind, address, task, the block, pages or frame, the source line. */
function reportLine(r: MemReport): string {
  const block = r.block ? ` (${r.block.size}-byte block ${hex(r.block.address)}, ${r.block.state})` : "";
  const pages = r.pages
    ? ` (order-${r.pages.order} block of pages ${hex(r.pages.address)} of ${r.pages.owner}, returned)`
    : "";
  const frame = r.frame?.local
    ? ` (${r.frame.distance} bytes ${r.frame.relation === "inside" ? "inside" : `to the ${r.frame.relation} of`} local '${r.frame.local.name}' of frame ${r.frame.function}, ${r.frame.state})`
    : "";
  const at = r.source ? ` in ${formatSourceSite(r.source)}` : "";
  return `${r.kind} at ${hex(r.address)} by ${r.taskName}${block}${pages}${frame}${at}`;
}

/**
 * One check per bug. With the checker: it produced the expected report for that task, which was
 * stopped or not as {@link HeapBug.stops} says. Without it (`--no-memcheck`): the bug did what it
 * does on a board without a checker ({@link HeapBug.withoutChecker}): went through unnoticed with
 * the task running on past it, was stopped by the allocator's own checks, or was refused with a
 * NULL. `env` is the run's (the checks read what its tasks saw past their bugs).
 */
export function heapBugChecks(kernel: Kernel, env: AppEnv): AppCheck[] {
  const past = pastTheBug.get(env);
  const reports = kernel.checker?.reports ?? [];
  return HEAP_BUGS.map((bug, i) => {
    const skip = notReached(kernel, bug.task, `task ${bug.task} ${bug.what}`, bugAt(i));
    if (skip) return { ...skip, name: bug.kind };
    const r = reports.find((x) => x.kind === bug.kind && x.taskName === bug.task);
    const k = kernel.task(bug.task);
    const state = k ? kernel.schedTask(k).state : "missing";
    if (!kernel.checker) return uncheckedBug(bug, k?.faults[0], past?.get(bug.task), state);
    const stopped = state === "faulted";
    const ok = r !== undefined && stopped === bug.stops;
    return {
      name: bug.kind,
      ok,
      detail: r
        ? `task ${bug.task} ${bug.what} -> ${reportLine(r)}; task ${state}`
        : `task ${bug.task} ${bug.what} -> NOT reported; task ${state}`,
    };
  });
}

/**
 * The check of a bug in a run without the checker: whether it did what a board without one does
 * with it ({@link HeapBug.withoutChecker}), from the task's first fault and what it saw past its
 * bug (undefined: it never got there).
 */
export function uncheckedBug(
  bug: HeapBug,
  fault: FaultRecord | undefined,
  past: PastTheBug | undefined,
  state: string,
): AppCheck {
  const what = `task ${bug.task} ${bug.what} -> checker off`;
  const end = `; task ${state}`;
  if (fault) {
    const stopped = `${fault.kind} ${fault.message}`;
    const ok = bug.withoutChecker === "allocator" && fault.kind === "heap" && fault.message.startsWith("INVALID_FREE");
    return { name: bug.kind, ok, detail: `${what}, ${ok ? "the allocator stopped it" : "stopped"}: ${stopped}${end}` };
  }
  if (!past) return { name: bug.kind, ok: false, detail: `${what}: the task never got past its bug${end}` };
  if (bug.withoutChecker === "refused") {
    const ok = past.returned === 0;
    return { name: bug.kind, ok, detail: `${what}, ${ok ? "" : "NOT "}refused (NULL): ${past.line}${end}` };
  }
  const ok = bug.withoutChecker === "undetected";
  return { name: bug.kind, ok, detail: `${what}, ${ok ? "undetected" : "NOT stopped"}: ${past.line}${end}` };
}

/**
 * `heap-bugs`: the classic heap bugs, one per task, 10 ms apart: heap overflow, use after free,
 * double free, invalid free, uninitialized read, a leak (found at the task's exit), an
 * overlapping memcpy, a calloc whose n * size overflows, a too-big malloc, and a use after free
 * of pages (a slab's pages given back), two stack bugs: a string copy one byte past a local
 * array of a call frame (a stack buffer overflow), and a read through the pointer to a local
 * array its function returned (a stack use after return), and a struct sent to a queue with its
 * padding never written (a syscall parameter's uninitialized bytes). With the memory checker on (the default, with source
 * sites), each produces its report (kind, address, block or pages with their allocation and free
 * sites, or the frame and its local, task, time, and the lines of the app's code); write errors, bad frees and copies stop
 * the task, reads, leaks and refused allocations are reported and the task goes on. With the
 * checker off, each check shows what a board without one does instead
 * ({@link HeapBug.withoutChecker}).
 */
export const heapBugs: AppDescription = defineApp({
  name: "heap-bugs",
  description:
    "the classic heap bugs, a stack buffer overflow, a stack use after return and a syscall given uninitialized bytes, one per task, each caught and reported by the memory checker, with source lines",
  board: "stm32f407",
  durationMs: 150,
  memcheck: { sourceSites: true },
  kernel: { queues: [{ name: TELEMETRY_QUEUE, messageSize: TELEMETRY.size, capacity: 2 }] },
  // The kernel scans a task's blocks for leaks when it ends: the leak task's block is reported.
  tasks: (env) => HEAP_BUGS.map((bug, i) => bugTask(env, bug, bugAt(i))),
  check: (kernel, env) => heapBugChecks(kernel, env),
  // Each task commits its bug on purpose: the checker's report (and the stop it causes) is expected.
  expectFault: (f) => HEAP_BUGS.some((b) => b.task === f.task),
  expectReport: (r) => HEAP_BUGS.some((b) => b.task === r.taskName && b.kind === r.kind),
});
