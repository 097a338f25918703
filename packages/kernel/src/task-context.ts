import type { Core } from "@rtos-sim/hw";
import { captureStack, type StackCapture } from "@rtos-sim/memcheck";
import { type CallHost, CallStack, type Frame, type FrameOptions } from "./data/call-stack.js";
import type { FunctionType } from "./data/frames.js";
import type { StructFields } from "./data/struct.js";
import { KernelError } from "./errors.js";
import { makeLibc, type TaskLibc } from "./libc.js";
import { SyscallIterator } from "./syscall-call.js";
import { type Delay, type SyscallCall, type SyscallOf, type SyscallOp, sys } from "./syscalls.js";
import {
  address as argAddress,
  byte as argByte,
  bytes as argBytes,
  length as argLength,
  text as argText,
} from "./task-args.js";

/**
 * The kernel's side of a task's context: the state task code must not touch (its stack pointer's
 * setter, the checker's stack tracking hook, the C library instance, the source-site capture),
 * held in JS-private fields of {@link TaskContext} and reached only through {@link taskControl}.
 * Kernel-internal: not exported from the package index.
 */
export interface TaskControl {
  /** The stack pointer (set by the context switch and at a (re)start). */
  sp: number;
  /** Where the task's code runs: the exception return resumes it at the stacked PC. */
  pc: number;
  /** Told of every stack pointer move by push/pop and calls (the memory checker's stack tracking). */
  onStackPointer: ((sp: number) => void) | null;
  /** The C library the task's `memcpy`... run: plain accesses, or the memory checker's checked copies. */
  libc: TaskLibc;
  /**
   * Whether each syscall takes the JS stack of the task's call with it (when the memory checker
   * names source lines): the kernel carries the call out after the task's code has yielded, when
   * the task's frames are no longer on the stack.
   */
  callSites: boolean;
  /** The JS stack of the task's last syscall (with `callSites`), else null; the kernel clears it. */
  lastCall: StackCapture | null;
  /** Clears the FP context flag (CONTROL.FPCA) and the calls in progress: a fresh context (a start or restart). */
  reset(): void;
}

let controlOf: (t: TaskContext) => TaskControl;

/**
 * The kernel's handle on `t`'s private state. Kernel-internal (the kernel's modules import it
 * from this file; the package index does not export it), so task code, which gets only its
 * `TaskContext`, has no way to it through the public API (kernel README, "Trust model").
 */
export function taskControl(t: TaskContext): TaskControl {
  return controlOf(t);
}

/**
 * What a task's code gets: memory accesses checked by the MPU (with the task's privilege, since
 * the kernel set the core's mode, CONTROL.nPRIV and actor before resuming it), its stack pointer,
 * its identity, and the syscalls as typed calls: `const p = yield* t.malloc(32)` yields the
 * request and gives back its result typed per call (a `number` here). Everything else goes
 * through those syscalls.
 *
 * A task cannot reach the kernel's objects through this context: it only forwards accesses to the
 * core, which checks them like the silicon would. The core, the stack pointer's setter, the
 * memory checker's hooks and the C library instance are JS-private fields (no property by any
 * name, none enumerable); the kernel reaches them through a kernel-internal accessor (kernel
 * README, "Trust model").
 *
 * @example
 * ```ts
 * import { TaskContext, TIMEOUT } from "@rtos-sim/kernel";
 * function* logger(t: TaskContext) {
 *   const buf = yield* t.malloc(32);
 *   t.writeString(buf, "hello\n");
 *   yield* t.print(buf, 6);
 *   if ((yield* t.semTake("tick", { ms: 5 })) === TIMEOUT) return;
 *   yield* t.free(buf);
 * }
 * ```
 */
export class TaskContext {
  static {
    // The one way in to the private state below, for the kernel's own modules (see taskControl).
    controlOf = (t) => t.#control;
  }

  /**
   * The class of the kernel's handle ({@link TaskControl}), inside this class body so that it
   * reaches the private state. Accessors on a class's prototype are inlined by V8; the same
   * accessors on an object literal cost a generic setter call (about 45 ns for the `sp` store the
   * kernel makes at every return to a task).
   */
  static readonly #Control = class implements TaskControl {
    readonly #ctx: TaskContext;
    constructor(ctx: TaskContext) {
      this.#ctx = ctx;
    }
    get sp(): number {
      return this.#ctx.#sp;
    }
    set sp(value: number) {
      this.#ctx.#sp = value;
    }
    get pc(): number {
      return this.#ctx.#pc;
    }
    set pc(value: number) {
      this.#ctx.#pc = value;
    }
    get onStackPointer(): ((sp: number) => void) | null {
      return this.#ctx.#onStackPointer;
    }
    set onStackPointer(fn: ((sp: number) => void) | null) {
      this.#ctx.#onStackPointer = fn;
    }
    get libc(): TaskLibc {
      return this.#ctx.#libc;
    }
    set libc(libc: TaskLibc) {
      this.#ctx.#libc = libc;
    }
    get callSites(): boolean {
      return this.#ctx.#callSites;
    }
    set callSites(on: boolean) {
      this.#ctx.#callSites = on;
    }
    get lastCall(): StackCapture | null {
      return this.#ctx.#lastCall;
    }
    set lastCall(capture: StackCapture | null) {
      this.#ctx.#lastCall = capture;
    }
    reset(): void {
      this.#ctx.#fpca = false;
      this.#ctx.#calls.reset();
    }
  };

  /** Task id (1-based). */
  readonly id: number;
  /** Task name. */
  readonly name: string;
  /** Lowest address of the stack block (the guard sits here). */
  readonly stackBase: number;
  /** One past the highest stack address (the initial stack pointer before the first frame). */
  readonly stackTop: number;
  // What task code must not touch is JS-private (`#`): not an own property, not enumerable, not
  // reachable by name at run time (TypeScript's `private` is). The kernel reaches it through
  // taskControl (kernel README, "Trust model").
  readonly #core: Core;
  /** The stack pointer: the kernel sets it at every switch, the task moves it with push/pop and calls. */
  #sp: number;
  /** Told of every stack pointer move (the memory checker's stack tracking). */
  #onStackPointer: ((sp: number) => void) | null = null;
  /** The C library: plain accesses, or the memory checker's checked copies. */
  #libc: TaskLibc;
  /** Whether each syscall takes the JS stack of the task's call with it (the checker's source sites). */
  #callSites = false;
  /** The JS stack of the task's last syscall (with #callSites), else null. */
  #lastCall: StackCapture | null = null;
  /** Runs as a syscall starts (at the task's `yield*`): takes its JS stack with #callSites. */
  readonly #callStarted: () => void;
  /** Runs as the syscall's answer resumes the task: its stack is forgotten (a later bare request is not named by it). */
  readonly #callEnded: () => void;
  /** CONTROL.FPCA: set by the task's first floating-point access (a VLDR/VSTR), cleared at a (re)start. */
  #fpca = false;
  /** The task's calls in progress (frames on its stack). */
  readonly #calls: CallStack;
  /** Where the task's code runs (its entry until it branches elsewhere). */
  #pc: number;
  /** The kernel's handle on the above (taskControl). */
  readonly #control: TaskControl;
  /** Charges computation (the kernel's: interruptible by SysTick at the cycle a tick falls). */
  readonly #compute: (cycles: number) => void;

  /**
   * `options.code` is the task's code address (return addresses point into it); `options.frames`
   * the kernel's frame layout and observer (the memory checker's hooks).
   */
  constructor(
    core: Core,
    id: number,
    name: string,
    stackBase: number,
    stackTop: number,
    sp: number,
    options: {
      readonly code?: number;
      readonly frames?: FrameOptions;
      /** Charges `t.compute`'s cycles (the kernel's takes the ticks that fall inside); `core.charge` by default. */
      readonly compute?: (cycles: number) => void;
    } = {},
  ) {
    this.#core = core;
    this.id = id;
    this.name = name;
    this.stackBase = stackBase;
    this.stackTop = stackTop;
    this.#sp = sp;
    this.#pc = (options.code ?? 0) >>> 0;
    this.#compute = options.compute ?? ((n) => core.charge(n));
    this.#libc = makeLibc(core, null);
    const ctx = this;
    this.#callStarted = () => {
      if (ctx.#callSites) ctx.#lastCall = captureStack();
    };
    this.#callEnded = () => {
      ctx.#lastCall = null;
    };
    // The call stack moves SP and stores the saved registers through this host; its locals views
    // read and write through the context itself (a view hands its memory to task code).
    const host: CallHost = {
      get sp() {
        return ctx.#sp;
      },
      set sp(value: number) {
        ctx.#sp = value;
      },
      get onStackPointer() {
        return ctx.#onStackPointer;
      },
      views: ctx,
      checkStackLimit: (sp) => core.checkStackLimit(sp),
      read8: (a) => ctx.read8(a),
      read16: (a) => ctx.read16(a),
      read32: (a) => ctx.read32(a),
      readF32: (a) => ctx.readF32(a),
      readF64: (a) => ctx.readF64(a),
      write8: (a, v) => ctx.write8(a, v),
      write16: (a, v) => ctx.write16(a, v),
      write32: (a, v) => ctx.write32(a, v),
      writeF32: (a, v) => ctx.writeF32(a, v),
      writeF64: (a, v) => ctx.writeF64(a, v),
    };
    this.#calls = new CallStack(
      host,
      id,
      options.code ?? 0,
      (a) => core.fetch(a),
      (n) => core.charge(n),
      options.frames,
    );
    this.#control = new TaskContext.#Control(this);
    // Task code holds this object and the kernel reads its accessors (sp, pc...): no own property
    // added later may stand in for them.
    Object.freeze(this);
  }

  /** Current stack pointer (read-only to the task: it moves it with push/pop and calls). */
  get sp(): number {
    return this.#sp;
  }

  /** 8-bit load (MPU-checked with the task's privilege). */
  read8(address: number): number {
    return this.#core.read8(address);
  }
  /** 16-bit little-endian load. */
  read16(address: number): number {
    return this.#core.read16(address);
  }
  /** 32-bit little-endian load. */
  read32(address: number): number {
    return this.#core.read32(address);
  }
  /** 8-bit store. */
  write8(address: number, value: number): void {
    this.#core.write8(address, value);
  }
  /** 16-bit little-endian store. */
  write16(address: number, value: number): void {
    this.#core.write16(address, value);
  }
  /** 32-bit little-endian store. */
  write32(address: number, value: number): void {
    this.#core.write32(address, value);
  }
  /**
   * Reads `length` bytes (memcpy-like: every granule is checked before any byte moves). The
   * address and length must be plain integers in [0, 2^32) (`BAD_ARGUMENT`), read once: a
   * `valueOf` could answer a small length to the check and a large one to the copy.
   */
  readBytes(address: number, length: number): Uint8Array {
    return this.#core.readBytes(argAddress("readBytes", "address", address), argLength("readBytes", "length", length));
  }
  /**
   * Writes bytes (memcpy-like): a copy of `data` (a Uint8Array or an array of numbers), taken
   * first, so the range checked is the range written (an array-like or a Proxy could report one
   * length to the check and another to the copy). The address as for {@link TaskContext.readBytes}.
   */
  writeBytes(address: number, data: Uint8Array): void {
    const a = argAddress("writeBytes", "address", address);
    this.#core.writeBytes(a, argBytes("writeBytes", data));
  }
  /** Fills `length` bytes with `value & 0xff` (memset-like); arguments as for {@link TaskContext.readBytes}. */
  fill(address: number, value: number, length: number): void {
    const a = argAddress("fill", "address", address);
    const v = argByte("fill", value);
    this.#core.fill(a, v, argLength("fill", "length", length));
  }
  /** 32-bit float load (VLDR.32): checked like {@link TaskContext.read32}; marks the task as using the FPU. */
  readF32(address: number): number {
    this.#fpca = true;
    return this.#core.readF32(address);
  }
  /** 32-bit float store (VSTR.32). */
  writeF32(address: number, value: number): void {
    this.#fpca = true;
    this.#core.writeF32(address, value);
  }
  /** 64-bit float load (VLDR.64: two word loads, lower address first). */
  readF64(address: number): number {
    this.#fpca = true;
    return this.#core.readF64(address);
  }
  /** 64-bit float store (VSTR.64: two word stores, lower address first). */
  writeF64(address: number, value: number): void {
    this.#fpca = true;
    this.#core.writeF64(address, value);
  }
  /** Reads a signed 16-bit value. */
  readI16(address: number): number {
    return (this.#core.read16(address) << 16) >> 16;
  }
  /** Writes a string's bytes (Latin-1); the address as for {@link TaskContext.readBytes}, `text` a string. */
  writeString(address: number, text: string): void {
    const a = argAddress("writeString", "address", address);
    argText("writeString", text);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
    this.#core.writeBytes(a, bytes);
  }

  /** Where the task's code is running: its entry until it {@link TaskContext.branch}es elsewhere. */
  get pc(): number {
    return this.#pc;
  }

  /**
   * Branches to the code at `address` (a BX/BLX into another function): the instruction fetch
   * there is checked at once (the task's privilege and MPU view: a MemManage IACCVIOL fault when
   * the task may not execute there, or a BusFault IBUSERR when the memory is not executable),
   * and the task resumes there from now on.
   */
  branch(address: number): void {
    const a = address >>> 0; // read once: the address fetched is the address the task resumes at
    this.#core.fetch(a);
    this.#pc = a;
  }

  /**
   * Reserves `size` bytes on the stack (like a function's frame, `SUB sp, sp, #size`): moves SP
   * down (8-byte aligned) and returns the new SP. On ARMv8-M the core checks the new SP against
   * PSPLIM (UsageFault STKOF below the stack's guard, SP unchanged); on ARMv7-M nothing is checked
   * until the memory is touched: an overflow faults on the first access to the guard region.
   * `size` is a byte count, an integer in [0, 2^32) (`BAD_ARGUMENT`, SP unchanged: NaN moved SP
   * to 0, a negative size up, 2^40 not at all).
   */
  push(size: number): number {
    const sp = ((this.#sp - argLength("push", "size", size)) & ~7) >>> 0;
    this.#core.checkStackLimit(sp);
    this.#sp = sp;
    this.#onStackPointer?.(sp);
    return sp;
  }

  /**
   * Calls `fn`: its prologue pushes its frame on the task's stack (the saved registers with real
   * stores, SP down by the frame size: a deep chain reaches the stack guard) and gives its locals
   * as a struct view over the frame. Leave it with {@link TaskContext.leave}.
   *
   * @example
   * ```ts
   * import { f32, fn, type TaskContext, u32 } from "@rtos-sim/kernel";
   * const STEP = fn("step", { locals: { i: u32, acc: f32 } });
   * function step(t: TaskContext) {
   *   const f = t.enter(STEP);
   *   f.locals.acc = 0;
   *   t.leave(f);
   * }
   * ```
   */
  enter<L extends StructFields>(fn: FunctionType<L>): Frame<L> {
    return this.#calls.enter(fn);
  }

  /** Returns from the innermost call (`CALL_FRAME` for another frame, or a return address found overwritten). */
  leave<L extends StructFields>(frame: Frame<L>): void {
    this.#calls.leave(frame);
  }

  /** Calls in progress (0 at the task's top level). */
  get callDepth(): number {
    return this.#calls.depth;
  }

  /**
   * Writes the stack pointer (`MOV sp, rN`): any value, as on silicon (a corrupt SP faults at the
   * next exception entry, MSTKERR or STKERR), except its bits [1:0], which M-profile hardwires to
   * zero (RES0H: a write of `0x20001003` sets SP to `0x20001000`). On ARMv8-M the core checks it
   * against PSPLIM (UsageFault STKOF below the stack's guard, SP unchanged), as for
   * {@link TaskContext.push}; the memory checker is told of the move, as for push and pop.
   */
  setSp(sp: number): void {
    const value = (sp & ~3) >>> 0;
    this.#core.checkStackLimit(value);
    this.#sp = value;
    this.#onStackPointer?.(value);
  }

  /** Releases `size` bytes of stack reserved by {@link TaskContext.push} (`size` as for push: `BAD_ARGUMENT`, SP unchanged). */
  pop(size: number): void {
    this.#sp = (this.#sp + ((argLength("pop", "size", size) + 7) & ~7)) >>> 0;
    this.#onStackPointer?.(this.#sp);
  }

  /**
   * Core cycles charged so far (memory accesses and computation, all tasks and the kernel). Not a
   * clock: idle time and sleeps do not count; read the timer peripheral or `sys.info().now` for time.
   */
  get cycles(): number {
    return this.#core.cycles;
  }

  /**
   * Charges `cycles` of computation that is not a memory access (arithmetic, branches, FP
   * operations between the loads and stores): simulated time moves on and the cycles count as
   * the task's CPU time. A count that is not an integer in [0, 2^32) is `BAD_ARGUMENT` (nothing
   * charged): a larger one, with the watchdog off, took the clock past the last cycle it counts
   * exactly (2^53 - 1), and every later sleep of every task faulted. A fault latched on the core
   * (the watchdog's) is thrown again, charging nothing.
   *
   * @example
   * ```ts
   * import { array, f32, struct, type TaskContext } from "@rtos-sim/kernel";
   * const Vectors = struct("Vectors", { a: array(f32, 8), b: array(f32, 8) });
   * function dot(t: TaskContext, at: number): number {
   *   const { a, b } = Vectors.at(t, at);
   *   const n = 8;
   *   let acc = 0;
   *   for (let i = 0; i < n; i++) acc += a.get(i) * b.get(i); // 2n checked loads
   *   t.compute(3 * n); // VFMA and the loop per element
   *   return acc;
   * }
   * ```
   */
  compute(cycles: number): void {
    if (!Number.isInteger(cycles) || cycles < 0 || cycles > 0xffffffff) {
      throw new KernelError("BAD_ARGUMENT", "compute: cycles must be a non-negative integer below 2^32", { cycles });
    }
    // A fault latched on the core (the watchdog's) is thrown again, as every access throws it: a
    // task that caught it computed on, its simulated time running past its budget and the run's limit.
    const latched = this.#core.pendingFault;
    if (latched !== null) throw latched;
    this.#compute(cycles);
  }

  /** Whether the task has used the FPU since it (re)started (CONTROL.FPCA): its frames then carry FP state. */
  get usesFpu(): boolean {
    return this.#fpca;
  }

  // ---- the C library (libc.ts) ------------------------------------------------------------------

  /** C's memcpy: `n` bytes from `src` to `dst`, which must not overlap (the checker reports `overlapping-copy`). Returns `dst`. */
  memcpy(dst: number, src: number, n: number): number {
    return this.#libc.memcpy(dst, src, n);
  }
  /** C's memmove: `n` bytes from `src` to `dst`, which may overlap. Returns `dst`. */
  memmove(dst: number, src: number, n: number): number {
    return this.#libc.memmove(dst, src, n);
  }
  /** C's memset: `n` bytes at `dst` set to `value & 0xff`. Returns `dst`. */
  memset(dst: number, value: number, n: number): number {
    return this.#libc.memset(dst, value, n);
  }
  /** C's memcmp: < 0, 0 or > 0 as the first differing byte (unsigned) of `a` is below or above `b`'s. */
  memcmp(a: number, b: number, n: number): number {
    return this.#libc.memcmp(a, b, n);
  }
  /** C's strlen: bytes before the NUL at or after `s`. */
  strlen(s: number): number {
    return this.#libc.strlen(s);
  }
  /**
   * C's strcpy: the string at `src` and its NUL copied to `dst` (no overlap). Returns `dst`.
   *
   * @example
   * ```ts
   * import type { TaskContext } from "@rtos-sim/kernel";
   * function* copyName(t: TaskContext) {
   *   const name = yield* t.malloc(6);
   *   t.writeString(name, "motor\0");
   *   const copy = yield* t.malloc(5); // strlen(name), one short: the NUL overflows (heap-buffer-overflow)
   *   t.strcpy(copy, name);
   * }
   * ```
   */
  strcpy(dst: number, src: number): number {
    return this.#libc.strcpy(dst, src);
  }

  // ---- syscalls (typed: `yield*` them) ----------------------------------------------------------

  /** Makes a syscall, with the JS stack of the task's call when the checker names source lines. */
  #call<K extends SyscallOp>(request: SyscallOf<K>): SyscallCall<K> {
    // Without call sites nothing is captured, so nothing is forgotten: no `ended` on the switch path.
    return new SyscallIterator(request, this.#callStarted, this.#callSites ? this.#callEnded : undefined);
  }

  /** Gives up the CPU: back of its priority's ready queue. */
  yield(): SyscallCall<"yield"> {
    return this.#call(sys.yield());
  }
  /** Sleeps `{ ms }` or `{ ticks }`. */
  sleep(delay: Delay): SyscallCall<"sleep"> {
    return this.#call(sys.sleep(delay));
  }
  /** Allocates from the task's heap: the address, or 0 (out of memory, size 0, no heap, too big). */
  malloc(size: number, align?: number, label?: string): SyscallCall<"malloc"> {
    return this.#call(sys.malloc(size, align, label));
  }
  /** Allocates `n * size` zeroed bytes: the address, or 0 (as malloc; `n * size` above 32 bits: `calloc-overflow`). */
  calloc(n: number, size: number, label?: string): SyscallCall<"calloc"> {
    return this.#call(sys.calloc(n, size, label));
  }
  /** Frees a block of the task's heap (`free(0)` is OK); an invalid free faults the task. `label` names the call site. */
  free(ptr: number, label?: string): SyscallCall<"free"> {
    return this.#call(sys.free(ptr, label));
  }
  /** Resizes a block: the new address, or 0. `label` names the call site. */
  realloc(ptr: number, size: number, label?: string): SyscallCall<"realloc"> {
    return this.#call(sys.realloc(ptr, size, label));
  }
  /** Takes a semaphore (blocks while its count is 0): OK, EPERM (no right to take it), or TIMEOUT. */
  semTake(sem: string, timeout?: Delay): SyscallCall<"sem-take"> {
    return this.#call(sys.semTake(sem, timeout));
  }
  /** Gives a semaphore: OK, EPERM (no right to give it), or EOVERFLOW at its maximum. */
  semGive(sem: string): SyscallCall<"sem-give"> {
    return this.#call(sys.semGive(sem));
  }
  /**
   * Locks a mutex (blocks while another task owns it; the owner inherits the caller's priority
   * meanwhile): OK, EOWNERDEAD (locked, its previous owner ended holding it), EDEADLK (the task
   * owns it already), EPERM (not granted), or TIMEOUT (at once for a zero timeout).
   */
  mutexLock(mutex: string, timeout?: Delay): SyscallCall<"mutex-lock"> {
    return this.#call(sys.mutexLock(mutex, timeout));
  }
  /** Unlocks a mutex the task owns: OK, or EPERM (not granted). Unlocking one it does not own faults the task. */
  mutexUnlock(mutex: string): SyscallCall<"mutex-unlock"> {
    return this.#call(sys.mutexUnlock(mutex));
  }
  /** Sends `length` bytes at `ptr` to a queue (never blocks): OK, EAGAIN when full, EPERM (no right to send). */
  send(queue: string, ptr: number, length: number): SyscallCall<"send"> {
    return this.#call(sys.send(queue, ptr, length));
  }
  /** Receives a message into `[ptr, ptr + length)` (blocks while empty): its length, EPERM (no right), or TIMEOUT. */
  receive(queue: string, ptr: number, length: number, timeout?: Delay): SyscallCall<"receive"> {
    return this.#call(sys.receive(queue, ptr, length, timeout));
  }
  /** Prints `length` bytes at `ptr` as lines of the task's output: the length. */
  print(ptr: number, length: number): SyscallCall<"print"> {
    return this.#call(sys.print(ptr, length));
  }
  /**
   * Copies `length` bytes from `src` to `dst` with the DMA, the kernel checking both against the
   * task's own view and the DMA's reach first: OK, ENODEV, EINVAL, EFAULT, ENXIO, EBUSY or EIO.
   */
  dmaCopy(dst: number, src: number, length: number): SyscallCall<"dma-copy"> {
    return this.#call(sys.dmaCopy(dst, src, length));
  }
  /** Grants a partition the caller holds read-write to a task: OK, EPERM, ENOENT, or ENOSPC. */
  grant(partition: string, task: string, access: "ro" | "rw"): SyscallCall<"grant"> {
    return this.#call(sys.grant(partition, task, access));
  }
  /** The task's identity, stack and the time. */
  info(): SyscallCall<"info"> {
    return this.#call(sys.info());
  }
  /** Stops the task (never returns). */
  exit(code = 0): SyscallCall<"exit"> {
    return this.#call(sys.exit(code));
  }
  /**
   * Ends the current job of a periodic task (`TaskSpec.period`) and sleeps until the next release
   * (FreeRTOS's `vTaskDelayUntil`): the number of releases already past (0 when on time; the next
   * job then starts at once). A task without a period is faulted (`bad-syscall`).
   */
  nextPeriod(): SyscallCall<"next-period"> {
    return this.#call(sys.nextPeriod());
  }
}
