import {
  type AppCheck,
  type AppDescription,
  type AppEnv,
  defineApp,
  type Kernel,
  type TaskContext,
  type TaskSpec,
} from "@rtos-sim/kernel";
import type { MemReport, ReportKind } from "@rtos-sim/memcheck";
import { uartWrite } from "../shared/uart.js";

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
/** Milliseconds between two bugs (the first at 10 ms). */
export const BUG_SPACING_MS = 10;

/** One classic heap bug, in its own task, and the checker report it must produce. */
export interface HeapBug {
  /** Task name. */
  readonly task: string;
  /** The report kind the checker must produce for this task. */
  readonly kind: ReportKind;
  /** What the task does wrong, in words. */
  readonly what: string;
  /** Whether the task is expected to be stopped (write errors and bad frees stop; reads and leaks do not). */
  readonly stops: boolean;
  /** The bug; `say` prints a line on the UART. */
  readonly body: (t: TaskContext, say: (line: string) => void) => Generator<unknown, void, unknown>;
}

/** The bugs, in the order they strike. */
export const HEAP_BUGS: readonly HeapBug[] = [
  {
    task: "overflow",
    kind: "heap-buffer-overflow",
    what: "writes one byte past a 24-byte block",
    stops: true,
    *body(t, say) {
      const p = yield* t.malloc(24, 8, "overflow: name buffer");
      t.fill(p, 0x41, 24); // the 24 bytes it owns
      say(`overflow: filled the 24-byte block at ${hex(p)}; now writing its terminator at ${hex(p + 24)}`);
      t.write8(p + 24, 0); // strcpy's terminating NUL, one past the end
      say("overflow: not reached");
    },
  },
  {
    task: "use-after-free",
    kind: "use-after-free",
    what: "reads a block after freeing it",
    stops: false,
    *body(t, say) {
      const p = yield* t.malloc(32, 8, "use-after-free: message");
      t.write32(p, 0xc0ffee);
      yield* t.free(p);
      const v = t.read32(p); // a stale pointer: reported, the read goes on ("stop-writes" policy)
      say(`use-after-free: read ${hex(v)} from the freed block at ${hex(p)} (reported; reads do not stop the task)`);
    },
  },
  {
    task: "double-free",
    kind: "double-free",
    what: "frees the same block twice",
    stops: true,
    *body(t, say) {
      const p = yield* t.malloc(16, 8, "double-free: packet");
      yield* t.free(p);
      say(`double-free: freed ${hex(p)} once; freeing it again`);
      yield* t.free(p);
      say("double-free: not reached");
    },
  },
  {
    task: "invalid-free",
    kind: "invalid-free",
    what: "frees a pointer into the middle of a block",
    stops: true,
    *body(t, say) {
      const p = yield* t.malloc(64, 8, "invalid-free: table");
      say(`invalid-free: freeing ${hex(p + 8)}, 8 bytes into the block at ${hex(p)}`);
      yield* t.free(p + 8);
      say("invalid-free: not reached");
    },
  },
  {
    task: "uninit-read",
    kind: "uninitialized-read",
    what: "reads a word of a fresh block it never wrote",
    stops: false,
    *body(t, say) {
      const p = yield* t.malloc(16, 8, "uninit-read: config");
      t.write32(p, 1); // the first field is set...
      const v = t.read32(p + 8); // ...the third never was
      say(`uninit-read: read ${hex(v)} at ${hex(p + 8)}, never written since malloc (reported)`);
      yield* t.free(p);
    },
  },
  {
    task: "leak",
    kind: "leak-definite",
    what: "ends holding a block nothing points to",
    stops: false,
    *body(t, say) {
      const p = yield* t.malloc(48, 8, "leak: session");
      t.fill(p, 0x5a, 48);
      say(`leak: exiting while holding the 48-byte block at ${hex(p)} (its only pointer dies with the task)`);
    },
  },
];

function bugTask(env: AppEnv, bug: HeapBug, at: number): TaskSpec {
  const uart = env.device("uart");
  return {
    name: bug.task,
    priority: 1,
    stackSize: 1024,
    heapSize: 2048,
    devices: ["uart"],
    *main(t) {
      yield* t.sleep({ ms: at });
      yield* bug.body(t, (line) => uartWrite(t, uart, `${line}\n`));
    },
  };
}

/**
 * The leak check at task exit: when a task ends normally, the checker's `taskEnded` drops its
 * stack from the roots and reports the blocks it allocated that nothing points to any more.
 * (The kernel does not call it itself; the app subscribes to the kernel's task-state events.)
 */
function reportLine(r: MemReport): string {
  const block = r.block ? ` (${r.block.size}-byte block ${hex(r.block.address)}, ${r.block.state})` : "";
  return `${r.kind} at ${hex(r.address)} by ${r.taskName}${block}`;
}

/** One check per bug: the checker produced the expected report for that task. */
export function heapBugChecks(kernel: Kernel): AppCheck[] {
  const reports = kernel.checker?.reports ?? [];
  return HEAP_BUGS.map((bug) => {
    const r = reports.find((x) => x.kind === bug.kind && x.taskName === bug.task);
    const k = kernel.task(bug.task);
    const state = k ? kernel.schedTask(k).state : "missing";
    if (!kernel.checker) {
      // Without the checker only the allocator's own checks (double and invalid frees) see anything.
      const f = k?.faults[0];
      const seen = f ? `the allocator stopped it: ${f.kind} ${f.message}` : "nothing noticed";
      return {
        name: bug.kind,
        ok: false,
        detail: `task ${bug.task} ${bug.what} -> checker off, ${seen}; task ${state}`,
      };
    }
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
 * `heap-bugs`: the classic heap bugs, one per task, 10 ms apart: heap overflow, use after free,
 * double free, invalid free, uninitialized read and a leak (found at the task's exit). With the
 * memory checker on (the default), each produces its report (kind, address, block with its
 * allocation and free sites, task, time); write errors and bad frees stop the task, reads and
 * leaks are reported and the task goes on.
 */
export const heapBugs: AppDescription = defineApp({
  name: "heap-bugs",
  description: "the classic heap bugs, one per task, each caught and reported by the memory checker",
  board: "stm32f407",
  durationMs: 100,
  memcheck: true,
  // The kernel scans a task's blocks for leaks when it ends: the leak task's block is reported.
  tasks: (env) => HEAP_BUGS.map((bug, i) => bugTask(env, bug, BUG_SPACING_MS * (i + 1))),
  check: (kernel) => heapBugChecks(kernel),
  // Each task commits its bug on purpose: the checker's report (and the stop it causes) is expected.
  expectFault: (f) => HEAP_BUGS.some((b) => b.task === f.task),
  expectReport: (r) => HEAP_BUGS.some((b) => b.task === r.taskName && b.kind === r.kind),
});
