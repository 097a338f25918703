import { EXCEPTION_LATENCY } from "@rtos-sim/hw";
import {
  type AppCheck,
  type AppDescription,
  type AppEnv,
  array,
  defineApp,
  type FaultRecord,
  f32,
  fn,
  GUARD_BYTES,
  type Kernel,
  type TaskContext,
  type TaskSpec,
  u8,
  u32,
} from "@rtos-sim/kernel";
import { notReached } from "../shared/not-reached.js";
import { sleepUntil } from "../shared/sleep-until.js";
import { uartWrite } from "../shared/uart.js";

/** Every task's stack, in bytes (its guard included, at the bottom). */
export const STACK_BYTES = 1024;
/** The schedule repeats every this many ms: each task has its own 2 ms slot in it. */
export const CYCLE_MS = 8;
/** Calls between a task's top level and its deepest function (the message parser's nesting). */
export const DEPTH = 3;
/** How long a job computes in its deepest call, in ms (a CRC over a received block). */
export const LEAF_MS = 0.2;
/** How much longer each job's top-level work is than the last one's, in ms (a log that grows), up to {@link GROWTH_JOBS} jobs. */
export const GROWTH_MS = 0.15;
/** Jobs over which the top-level work grows; later jobs take as long as this one. */
export const GROWTH_JOBS = 8;
/** The nesting `parser` adds per job: its message is this many levels deeper each time. */
export const PARSER_STEP = 3;

/** One call of the message parser: the saved registers and 28 bytes of locals (a 48-byte frame). */
const PARSE_NODE = fn("parse_node", { locals: { tag: u32, length: u32, crc: u32, name: array(u8, 16) } });
/** The deepest function: a CRC over a block, its accumulator a float (an FPU task's), its buffer below. */
const CRC_BLOCK = fn("crc_block", { locals: { acc: f32, i: u32 } });

/** A task of the app: what its deepest call leaves of its stack, and what that should come to. */
export interface StackScenario {
  /** Task name. */
  readonly task: string;
  /** Its slot in each {@link CYCLE_MS} cycle, in ms. */
  readonly slotMs: number;
  /** Bytes left between SP and the guard at the deepest call; null for `parser`, whose nesting grows until it reaches the guard. */
  readonly headroom: number | null;
  /** Whether the deepest call uses the FPU (its frames then reserve the FP state: 104 bytes, not 32). */
  readonly fpu: boolean;
  /** What the task does, in words. */
  readonly what: string;
}

/** The four tasks, in the order of their slots. */
export const STACK_SCENARIOS: readonly StackScenario[] = [
  {
    task: "tight",
    slotMs: 0,
    headroom: 16,
    fpu: false,
    what: "leaves 16 bytes below its deepest call: enough for the call, not for the 32-byte frame a SysTick stacks there",
  },
  {
    task: "fpu",
    slotMs: 2,
    headroom: 48,
    fpu: true,
    what: "leaves 48 bytes, room for a basic frame, but it uses the FPU: the SysTick's frame reserves 104",
  },
  {
    task: "sized",
    slotMs: 4,
    headroom: 128,
    fpu: true,
    what: "leaves 128 bytes: the SysTick's 104-byte frame fits, and its stack peak shows it",
  },
  {
    task: "parser",
    slotMs: 6,
    headroom: null,
    fpu: false,
    what: `parses a message ${PARSER_STEP} levels deeper each job, a 48-byte frame per level, until a frame reaches the guard`,
  },
];

/** The lowest byte of a task's stack above its guard. */
const stackBottom = (t: TaskContext) => t.stackBase + GUARD_BYTES;

/**
 * `depth` nested calls of the parser (each frame's locals written, as C would), then `bottom` in
 * the deepest. No syscall in between: only a SysTick can land in there.
 */
function parse(t: TaskContext, depth: number, bottom: () => void): void {
  const f = t.enter(PARSE_NODE);
  f.locals.tag = depth;
  f.locals.length = 16;
  for (let i = 0; i < 16; i++) f.locals.name.set(i, 0x41 + ((depth + i) % 26));
  if (depth > 1) parse(t, depth - 1, bottom);
  else bottom();
  f.locals.crc = (f.locals.tag * 31 + f.locals.length) >>> 0;
  t.leave(f);
}

/**
 * The deepest call: its buffer takes what the stack has left down to `headroom` bytes above the
 * guard (the size a developer picks from a high-water mark measured when no interrupt landed
 * there), then it computes for `cycles`.
 */
function crcBlock(t: TaskContext, s: StackScenario, cycles: number): void {
  const f = t.enter(CRC_BLOCK);
  const buffer = t.sp - stackBottom(t) - s.headroom!; // uint8_t block[n], n fitted to the stack
  const at = t.push(buffer);
  t.fill(at, 0, buffer);
  // A store to the float (a VSTR) makes the FP context live (CONTROL.FPCA): frames then carry FP state.
  if (s.fpu) f.locals.acc = 1.5;
  else f.locals.i = 0;
  t.compute(cycles);
  t.pop(buffer);
  t.leave(f);
}

function scenarioTask(env: AppEnv, s: StackScenario): TaskSpec {
  const uart = env.device("uart");
  const cyclesPerMs = env.board.clockHz / 1000;
  return {
    name: s.task,
    priority: 1,
    stackSize: STACK_BYTES,
    devices: ["uart"],
    *main(t) {
      const say = (line: string) => uartWrite(t, uart, `${line}\n`);
      for (let job = 0; ; job++) {
        yield* sleepUntil(t, job * CYCLE_MS + s.slotMs);
        if (s.headroom === null) {
          const depth = 1 + PARSER_STEP * job;
          say(`parser: job ${job}, a message nested ${depth} level${depth === 1 ? "" : "s"} deep`);
          parse(t, depth, () => t.compute(100));
          continue;
        }
        say(`${s.task}: job ${job}`);
        t.compute(Math.round(GROWTH_MS * Math.min(job, GROWTH_JOBS) * cyclesPerMs));
        parse(t, DEPTH, () => crcBlock(t, s, Math.round(LEAF_MS * cyclesPerMs)));
      }
    },
  };
}

/** Whether the board's core stacks FP state (an FPU task's exception frame is then 104 bytes). */
function hasFpu(env: AppEnv): boolean {
  return EXCEPTION_LATENCY[env.board.core].fpContext > 0;
}

/** Bytes a SysTick's exception frame takes on the task's stack: 8 words, 26 with FP state. */
export function tickFrameBytes(s: StackScenario, env: AppEnv): number {
  return s.fpu && hasFpu(env) ? 104 : 32;
}

/** The first job whose deepest call a SysTick lands in: its top-level work ends within {@link LEAF_MS} of the slot's next tick. */
const FIRST_LANDING_JOB = Math.ceil((1 - LEAF_MS) / GROWTH_MS);

/** The first `parser` job whose frames reach the guard: 1 + {@link PARSER_STEP} x job levels, one more than the stack holds. */
const PARSER_GUARD_JOB = Math.ceil(Math.floor((STACK_BYTES - GUARD_BYTES) / PARSE_NODE.layout(0).size) / PARSER_STEP);

/** When the scenario's outcome is due at the latest, in ms: the task's release after the job it happens in. */
function dueMs(s: StackScenario): number {
  const job = s.headroom === null ? PARSER_GUARD_JOB : FIRST_LANDING_JOB;
  return (job + 1) * CYCLE_MS + s.slotMs;
}

/** What the kernel recorded of a fault, in one line. */
function faultLine(f: FaultRecord): string {
  const hw = f.hw ? ` (${f.hw.cause} ${f.hw.cfsrNames.join("|")})` : "";
  return `${f.kind}${hw} at ${f.ms.toFixed(3)} ms: ${f.message}`;
}

/**
 * One check per task: a task whose deepest call leaves less than the SysTick's frame (or whose
 * nesting grows, `parser`) stops with a stack overflow, by exception stacking or at the guard;
 * one that leaves enough runs on, and its stack peak is its deepest call plus that frame.
 */
export function stackChecks(kernel: Kernel, env: AppEnv): AppCheck[] {
  return STACK_SCENARIOS.map((s) => {
    const what = `task ${s.task} ${s.what}`;
    const skip = notReached(kernel, s.task, what, dueMs(s));
    if (skip) return { ...skip, name: s.task };
    const k = kernel.task(s.task);
    const fault = k?.faults[0];
    const state = k ? kernel.schedTask(k).state : "missing";
    const outcome = fault ? faultLine(fault) : "no fault";
    const frame = tickFrameBytes(s, env);
    if (s.headroom !== null && s.headroom >= frame) {
      const use = k ? kernel.stackUsage(k) : null;
      const deepest = STACK_BYTES - GUARD_BYTES - s.headroom;
      return {
        name: s.task,
        ok: fault === undefined && use?.peak === deepest + frame,
        detail: `${what} -> ${outcome}; stack peak ${use?.peak} of ${use?.size} bytes: its deepest call ${deepest} + the SysTick's ${frame}-byte frame`,
      };
    }
    const byStacking = s.headroom !== null;
    return {
      name: s.task,
      ok:
        fault?.kind === "stack-overflow" &&
        fault.message.includes("by exception stacking") === byStacking &&
        state === "faulted",
      detail: `${what} -> ${outcome}; task ${state}`,
    };
  });
}

/**
 * `stack-overflow`: four tasks with 1 KiB stacks and the ways a stack runs out. `parser` nests
 * deeper each job until a frame reaches the stack guard. `tight` leaves 16 bytes below its
 * deepest call: it runs job after job until its top-level work grows long enough for a SysTick
 * to land in that call, whose 32-byte exception frame overflows into the guard (MemManage
 * MSTKERR; UsageFault STKOF on ARMv8-M). `fpu` leaves 48 bytes, but its frames carry the FP
 * state (104 bytes). `sized` leaves 128 and runs on; its stack peak counts the tick's frame, as
 * a board's would.
 */
export const stackOverflow: AppDescription = defineApp({
  name: "stack-overflow",
  description:
    "four 1 KiB stacks: deep recursion into the guard, a SysTick frame with 16 bytes left, an FPU task's 104-byte frame, and one sized with headroom",
  board: "stm32f407",
  durationMs: 80,
  memcheck: false,
  tasks: (env) => STACK_SCENARIOS.map((s) => scenarioTask(env, s)),
  check: stackChecks,
  expectFault: (f) => f.kind === "stack-overflow" && f.task !== "sized",
  // With the checker on (`--memcheck`), it sees parser's stack pointer leave its stack first: that report is the lesson too.
  expectReport: (r) => r.kind === "stack-overflow" && r.taskName !== "sized",
});
