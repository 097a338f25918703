import { KernelError } from "../errors.js";
import { type FrameLayout, type FunctionType, isFunctionType } from "./frames.js";
import type { ViewMemory } from "./memory.js";
import type { StructFields, StructView } from "./struct.js";

/**
 * Cycles of a call besides its memory accesses (Cortex-M4 TRM instruction timing, pipeline refill
 * P taken as 2): BL (1 + P) and the extra cycle of the prologue's STM (1 + N, the N stores
 * charged as accesses), plus SUB SP when the frame has locals.
 */
export const CALL_CYCLES = 4;
/** Cycles of a return besides its loads: POP {..., pc} (1 + N + P), plus ADD SP when the frame has locals. */
export const RETURN_CYCLES = 3;

/** A call in progress: its function, layout, place on the stack and locals. */
export interface Frame<L extends StructFields = StructFields> {
  /** The function called (made by {@link fn}). */
  readonly fn: FunctionType<L>;
  /** Its frame layout for the kernel's redzone size (`FrameOptions.redzone`). */
  readonly layout: FrameLayout;
  /** Its lowest address: the SP after the prologue. */
  readonly base: number;
  /** The caller's SP (`base + layout.size`). */
  readonly top: number;
  /** The return address the prologue stored (LR, Thumb bit set). */
  readonly returnAddress: number;
  /** 0 for the outermost call of the task. */
  readonly depth: number;
  /** The locals, a struct view over the frame (each access a checked access by the task). */
  readonly locals: StructView<L>;
}

/**
 * Told of every call and return of a task: the memory checker's hooks (poison the redzones of
 * {@link FrameLayout} at `enter`, the whole frame at `leave`, for stack overflows between locals
 * and stack-use-after-return).
 */
export interface FrameObserver {
  /** Task `task` (its id) has just entered `frame`: prologue stored, SP moved down. */
  enter(task: number, frame: Frame): void;
  /** Task `task` (its id) has left `frame` (innermost first): epilogue loaded, SP moved back to `frame.top`. */
  leave(task: number, frame: Frame): void;
}

/** How a kernel's call frames are laid out and watched. */
export interface FrameOptions {
  /** Redzone bytes around each local (a multiple of 8, 0..256). Default 0: the plain C layout. */
  readonly redzone?: number | undefined;
  /** Told of every call and return. Default none. */
  readonly observer?: FrameObserver | null | undefined;
}

/** What a call stack works with: the task's own memory accesses, its stack pointer, its code. */
export interface CallHost extends ViewMemory {
  /** The task's stack pointer. */
  sp: number;
  /** Told of every stack pointer move (the kernel passes it to the memory checker). */
  readonly onStackPointer: ((sp: number) => void) | null;
  /**
   * The core's check of a new SP against the stack limit (ARMv8-M PSPLIM: UsageFault STKOF,
   * thrown before SP moves); nothing on ARMv7-M.
   */
  checkStackLimit(sp: number): void;
  /**
   * What the locals views read and write through: the task's context (a view hands its memory
   * to task code, so it must not be a host that sets SP).
   */
  readonly views: ViewMemory;
}

/**
 * A task's calls: `enter` runs a function's prologue on the task's stack (its saved registers
 * stored with the task's own checked stores, SP moved down by the frame size, so a deep chain
 * overflows into the stack guard), `leave` its epilogue (the saved registers loaded back, the
 * return address checked by an instruction fetch when it was changed, SP moved back). Frames
 * must be left innermost first.
 */
export class CallStack {
  private readonly frames: Frame[] = [];
  private readonly redzone: number;
  private readonly observer: FrameObserver | null;

  constructor(
    private readonly host: CallHost,
    private readonly task: number,
    /** The task's code address: return addresses point into it. */
    private readonly code: number,
    private readonly fetch: (address: number) => void,
    private readonly charge: (cycles: number) => void,
    options: FrameOptions = {},
  ) {
    this.redzone = options.redzone ?? 0;
    this.observer = options.observer ?? null;
  }

  /** Calls in progress. */
  get depth(): number {
    return this.frames.length;
  }

  /** The innermost frame, or null. */
  get current(): Frame | null {
    return this.frames[this.frames.length - 1] ?? null;
  }

  /**
   * Pushes `fn`'s frame: the prologue's stores, then the locals view. On ARMv8-M a frame
   * reaching below PSPLIM is UsageFault STKOF, raised before SP moves (as for `push`). `fn` must
   * be a function type made by `fn()` (`BAD_ARGUMENT` otherwise, nothing changed): its layout,
   * which the memory checker poisons the redzones of, is then the kernel's own, frozen deeply.
   * The frame returned is frozen: `leave` trusts its fields.
   */
  enter<L extends StructFields>(fn: FunctionType<L>): Frame<L> {
    if (!isFunctionType(fn)) {
      throw new KernelError("BAD_ARGUMENT", "enter: fn must be a function type made by fn()", {
        op: "enter",
        field: "fn",
        value: typeof fn,
      });
    }
    const host = this.host;
    const layout = fn.layout(this.redzone);
    const top = host.sp;
    const base = (top - layout.size) >>> 0;
    const saved = base + layout.savedOffset;
    const returnAddress = ((this.code + 4 * (1 + fn.id)) | 1) >>> 0;
    // The prologue's SP move (push, sub sp): below PSPLIM it faults before SP moves or any store.
    host.checkStackLimit(base);
    host.sp = base;
    host.onStackPointer?.(base);
    // push {r4-..., lr}: the callee-saved registers (zeros here), LR at the top.
    for (let i = 0; i < layout.savedWords - 1; i++) host.write32(saved + 4 * i, 0);
    host.write32(saved + 4 * (layout.savedWords - 1), returnAddress);
    this.charge(CALL_CYCLES + (layout.locals.length > 0 ? 1 : 0));
    const View = fn.localsClass(this.redzone);
    const frame: Frame<L> = Object.freeze({
      fn,
      layout,
      base,
      top: (base + layout.size) >>> 0,
      returnAddress,
      depth: this.frames.length,
      locals: new View(host.views, base),
    });
    this.frames.push(frame as unknown as Frame);
    this.observer?.enter(this.task, frame as unknown as Frame);
    return frame;
  }

  /**
   * Pops `frame` (the innermost one, else `CALL_FRAME`): the epilogue loads the saved registers
   * back; a return address found changed is fetched (a smashed one pointing into data faults
   * with IACCVIOL as on silicon) and, when that does not fault, is `CALL_FRAME` (the simulation
   * cannot follow the hijacked return).
   */
  leave<L extends StructFields>(left: Frame<L>): void {
    const frame = left as unknown as Frame;
    const cur = this.frames[this.frames.length - 1];
    // With no call in progress `cur` is undefined: so may be what the task passed.
    if (cur === undefined || cur !== frame) {
      throw new KernelError(
        "CALL_FRAME",
        `leave(${frame?.fn?.name ?? "?"}): the innermost call is ${cur?.fn.name ?? "none"}; frames are left innermost first`,
        { task: this.task, frame: frame?.fn?.name, current: cur?.fn.name ?? null },
      );
    }
    const host = this.host;
    const layout = frame.layout;
    const saved = frame.base + layout.savedOffset;
    for (let i = 0; i < layout.savedWords - 1; i++) host.read32(saved + 4 * i);
    const lr = host.read32(saved + 4 * (layout.savedWords - 1));
    this.charge(RETURN_CYCLES + (layout.locals.length > 0 ? 1 : 0));
    if (lr !== frame.returnAddress) {
      this.fetch((lr & ~1) >>> 0);
      throw new KernelError(
        "CALL_FRAME",
        `return from ${frame.fn.name}: the saved return address at 0x${(saved + 4 * (layout.savedWords - 1)).toString(16)} was overwritten (0x${lr.toString(16)}, stored 0x${frame.returnAddress.toString(16)})`,
        { task: this.task, function: frame.fn.name, loaded: lr, stored: frame.returnAddress },
      );
    }
    this.frames.pop();
    host.sp = frame.top;
    host.onStackPointer?.(frame.top);
    this.observer?.leave(this.task, frame);
  }

  /** Forgets every frame (the task's context was rebuilt: a restart). */
  reset(): void {
    this.frames.length = 0;
  }
}

/**
 * C's `&local`: the address of local `name` in `frame` (its base plus the local's offset in the
 * frame's layout, redzones included). An array or struct local's view has `.address` too; this
 * serves a scalar one, whose view is a number. `BAD_ARGUMENT` for a name the function has no
 * local of.
 *
 * @example
 * ```ts
 * import { fn, localAddress, type TaskContext, u32 } from "@rtos-sim/kernel";
 * const READ = fn("read_reply", { locals: { reply: u32 } });
 * function* readReply(t: TaskContext) {
 *   const f = t.enter(READ);
 *   yield* t.send("requests", localAddress(f, "reply"), 4); // a pointer to the local, as C would pass &reply
 *   t.leave(f);
 * }
 * ```
 */
export function localAddress<L extends StructFields>(frame: Frame<L>, name: keyof L & string): number {
  const slot = frame.layout.locals.find((l) => l.name === name);
  if (slot === undefined) {
    throw new KernelError("BAD_ARGUMENT", `${frame.fn.name} has no local ${JSON.stringify(name)}`, {
      function: frame.fn.name,
      local: name,
    });
  }
  return (frame.base + slot.offset) >>> 0;
}
