import { ActorMode, type BusMaster, type BusMasterRefusal, makeActor } from "@rtos-sim/hw";
import type { DeviceAlarm } from "./types.js";

/** What a DMA controller model is given by the kernel: its bus master, simulated time and an alarm. */
export interface DmaEnv {
  /** The controller's own bus master (not the core: no MPU, no privilege). */
  readonly master: BusMaster;
  /** Simulated core cycles since the start of the run (idle time included). */
  cycles(): number;
  /** An alarm on simulated time, for the transfer's completion. */
  readonly alarm: DeviceAlarm;
}

/** A memory-to-memory transfer as a register front end programs it into the {@link DmaEngine}. */
export interface DmaCopyPlan {
  /** First source address (already aligned as the controller's port aligns it). */
  readonly src: number;
  /** First destination address. */
  readonly dst: number;
  /** Bytes per item (one read and one write each). */
  readonly width: 1 | 2 | 4;
  /** Items to move (> 0). */
  readonly total: number;
  /** Source address step per item: `width` when incremented, else 0. */
  readonly srcStep: number;
  /** Destination address step per item. */
  readonly dstStep: number;
  /**
   * Bytes of the source's address ring (a power of two; absent or 0: no ring): only the address's
   * bits below it change, so the reads wrap on a naturally aligned ring buffer ({@link ringAddress};
   * the RP2040's RING_SIZE with RING_SEL = 0).
   */
  readonly srcRing?: number;
  /** Bytes of the destination's address ring (the RP2040's RING_SIZE with RING_SEL = 1). */
  readonly dstRing?: number;
  /** Whether each item's bytes are reversed between its read and its write (the RP2040's BSWAP; no effect on bytes). */
  readonly swap?: boolean;
}

/**
 * The address of item `i` of a span starting at `base` that steps by `step` bytes per item,
 * wrapped on a ring of `ring` bytes (a power of two) when `ring` is non-zero: the address's bits
 * below the ring change, those above stay `base`'s.
 */
export function ringAddress(base: number, i: number, step: number, ring = 0): number {
  const next = base + i * step;
  if (ring === 0) return next >>> 0;
  const mask = ring - 1;
  return ((base & ~mask) | (next & mask)) >>> 0;
}

/** `value`'s `width` bytes in reverse order (a halfword's two, a word's four; a byte unchanged). */
export function swapBytes(value: number, width: 1 | 2 | 4): number {
  if (width === 1) return value;
  if (width === 2) return ((value & 0xff) << 8) | ((value >>> 8) & 0xff);
  return (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0;
}

/**
 * Why a DMA's beat was refused: the bus's reasons ({@link BusMasterRefusal}), or `"dma-mpu"`: the
 * controller's own protection refused it before it reached the bus (the RP2350's DMA MPU gave
 * the address a higher security or privilege level than the channel's; RP2350 datasheet 12.6).
 */
export type DmaRefusal = BusMasterRefusal | "dma-mpu";

/** A refused beat of a DMA transfer: where, which way, and why ({@link DmaRefusal}). */
export interface DmaBeatError {
  /** The first byte of the refused beat (or span). */
  readonly address: number;
  /** "read" or "write". */
  readonly access: "read" | "write";
  /** Why it was refused. */
  readonly reason: DmaRefusal;
}

/**
 * A controller's own check of its beats before they reach the bus (the RP2350's DMA MPU): true
 * when it refuses an access of `length` bytes at `address` (a write when `write`).
 */
export type DmaGuard = (address: number, length: number, write: boolean) => boolean;

/** A running transfer's progress ({@link DmaEngine.progress}). */
export interface DmaProgress {
  /** Items moved so far. */
  readonly done: number;
  /** Items the transfer moves. */
  readonly total: number;
}

/** How a transfer ended, told to the register front end once its state is settled. */
export interface DmaEngineEvents {
  /** Every item moved. */
  complete(): void;
  /** A beat the bus (or the controller's {@link DmaGuard}) refused: `done` items had moved before it. */
  error(err: DmaBeatError, done: number): void;
}

/** A transfer under way: the plan, when it started, its cost per item and its progress. */
interface Transfer extends DmaCopyPlan {
  /** Simulated cycle it started at. */
  readonly start: number;
  /** Cycles per item (a read and a write). */
  readonly beat: number;
  /** Items moved so far. */
  done: number;
}

/**
 * The transfer engine shared by the DMA controller models ({@link Dma}, RM0090's streams;
 * {@link Gpdma}, RM0456's channels): what a memory-to-memory transfer does once a register
 * front end has decoded its registers into a {@link DmaCopyPlan}. The front ends keep the
 * registers, the flags and what starts and stops a transfer; the engine keeps its time, moves
 * the items through the controller's {@link BusMaster} (the bus decodes them; no MPU and no
 * privilege check them), and tells the front end how the transfer ended.
 *
 * **Time**: an item costs a read and a write, each charged as the core's accesses are (1 + the
 * memory's wait states, 2 for a device register; docs/timing.md), the figure taken from the
 * first item's source and destination for the whole transfer. Item `i` (from 0) lands at
 * `start + (i + 1) x beat`, but the engine moves the items that are due only when time is
 * observed ({@link DmaEngine.settle}): at any access to the controller's registers (the front
 * end settles first), at each task switch, and at the completion time itself (an alarm). So a
 * buffer freed before the transfer completes receives its bytes later, as on the silicon, and
 * the memory checker reports them as the DMA's writes (its actor: {@link ActorMode.Dma} and the
 * task that started the transfer).
 *
 * **Errors**: a beat the bus refuses (unmapped, read-only for a write, or `dmaReachable: false`
 * memory) stops the transfer there: the items before it have landed, {@link DmaEngine.lastError}
 * says which beat, and the front end is told ({@link DmaEngineEvents.error}). A controller with
 * protection of its own (the RP2350's DMA MPU) gives the engine a {@link DmaGuard}: each beat it
 * refuses stops the transfer the same way, before the bus sees it (reason `"dma-mpu"`).
 */
export class DmaEngine {
  private transfer: Transfer | null = null;
  /** Whether {@link DmaEngine.settle} is moving items (an item into the controller's own registers re-enters it). */
  private settling = false;
  /** The last refused beat of a transfer (for tests and reports), or null. */
  lastError: DmaBeatError | null = null;
  private readonly env: DmaEnv;
  private readonly events: DmaEngineEvents;
  private readonly guard: DmaGuard | null;
  private readonly fire = (at: number): void => this.settle(at);

  constructor(env: DmaEnv, events: DmaEngineEvents, guard: DmaGuard | null = null) {
    this.env = env;
    this.events = events;
    this.guard = guard;
  }

  /** Whether a transfer is under way. */
  get busy(): boolean {
    return this.transfer !== null;
  }

  /** The running transfer's items moved and its total, or null when none runs. */
  progress(): DmaProgress | null {
    const t = this.transfer;
    return t === null ? null : { done: t.done, total: t.total };
  }

  /** Starts `plan` for `task` (0: not a task), from now. */
  start(plan: DmaCopyPlan, task: number): void {
    const master = this.env.master;
    master.actor = makeActor(ActorMode.Dma, task);
    master.begin(); // its items, landing in pieces as time is observed, are one transfer
    this.lastError = null;
    this.transfer = {
      ...plan,
      start: this.env.cycles(),
      beat: master.cost(plan.src) + master.cost(plan.dst),
      done: 0,
    };
    this.arm();
  }

  /** Stops the running transfer where it is (the items due must have been settled); returns the items moved, or null when none ran. */
  stop(): number | null {
    const t = this.transfer;
    if (t === null) return null;
    this.end();
    return t.done;
  }

  /**
   * Why the controller's bus would refuse [address, address + length) (`"unmapped"`,
   * `"read-only"` for a write, `"unreachable"`), or null when it takes the whole span: what a
   * kernel offering DMA as a service checks before programming a transfer.
   */
  reach(address: number, length: number, write: boolean): BusMasterRefusal | null {
    return length === 0 ? null : this.env.master.refusal(address, length, write);
  }

  /** The simulated cycle the running transfer completes at, or null when none runs. */
  completesAt(): number | null {
    const t = this.transfer;
    return t === null ? null : t.start + t.total * t.beat;
  }

  /**
   * Moves the items due by simulated cycle `at` (default: now), in order: each read from the
   * source and written to the destination through the controller's bus master. The last item
   * ends the transfer ({@link DmaEngineEvents.complete}); a refused beat ends it too
   * ({@link DmaEngineEvents.error}).
   */
  settle(at?: number): void {
    const t = this.transfer;
    if (t === null) return; // before reading the time: the kernel calls this at every switch
    // An item read from or written to the controller's own registers comes back here through
    // its register access: the items are moving already, and the access acts between two items.
    if (this.settling) return;
    this.settling = true;
    try {
      this.move(t, Math.min(t.total, Math.floor(((at ?? this.env.cycles()) - t.start) / t.beat)));
    } finally {
      this.settling = false;
    }
  }

  /** Moves items until `due` have (see {@link DmaEngine.settle}). */
  private move(t: Transfer, due: number): void {
    if (due > t.done && t.srcStep === t.width && t.dstStep === t.width && plain(t) && !propagates(t, due)) {
      this.burst(t, due);
    }
    const master = this.env.master;
    const guard = this.guard;
    while (t.done < due) {
      const i = t.done;
      const from = ringAddress(t.src, i, t.srcStep, t.srcRing);
      if (guard?.(from, t.width, false)) {
        this.fail({ address: from, access: "read", reason: "dma-mpu" }, i);
        return;
      }
      const v = master.read(from, t.width);
      if (typeof v !== "number") {
        this.fail(v, i);
        return;
      }
      const to = ringAddress(t.dst, i, t.dstStep, t.dstRing);
      if (guard?.(to, t.width, true)) {
        this.fail({ address: to, access: "write", reason: "dma-mpu" }, i);
        return;
      }
      t.done = i + 1; // before the write: one into the controller's registers stopping it leaves the items after it
      const err = master.write(to, t.width, t.swap ? swapBytes(v, t.width) : v);
      if (err !== null) {
        t.done = i;
        this.fail(err, i);
        return;
      }
      if (this.transfer !== t) return; // the item, written into its own registers, stopped it there
    }
    if (t.done === t.total) {
      this.end();
      this.events.complete();
      return;
    }
    this.arm();
  }

  /** A refused beat after `done` items: the transfer ends, the front end told. */
  private fail(err: DmaBeatError, done: number): void {
    this.lastError = err;
    this.end();
    this.events.error(err, done);
  }

  /**
   * The items due, both addresses incremented by the item size, moved as one read of the source
   * span and one write of the destination span (what the memory checker sees: one access, as a
   * `memcpy` is, so a freed buffer is one report, not one per item). When the bus refuses
   * either span (or the controller's guard does), nothing moves here and the items go one by one,
   * to stop at the exact one; a
   * destination just above its overlapping source never comes here ({@link propagates}).
   */
  private burst(t: Transfer, due: number): void {
    const master = this.env.master;
    const bytes = (due - t.done) * t.width;
    const from = (t.src + t.done * t.width) >>> 0;
    const to = (t.dst + t.done * t.width) >>> 0;
    if (this.guard !== null && (this.guard(from, bytes, false) || this.guard(to, bytes, true))) return;
    const data = master.readBlock(from, bytes);
    if (!(data instanceof Uint8Array)) return;
    if (master.writeBlock(to, data) === null) t.done = due;
  }

  /** The alarm at the running transfer's completion (re-set after idle time moved the clock). */
  private arm(): void {
    const at = this.completesAt();
    if (at !== null) this.env.alarm.after(at - this.env.cycles(), this.fire);
  }

  private end(): void {
    this.transfer = null;
    this.env.alarm.after(0, null);
  }
}

/** Whether a transfer moves its bytes as read, between spans without a ring (what a burst may move). */
function plain(t: Transfer): boolean {
  return !t.swap && !t.srcRing && !t.dstRing;
}

/**
 * Whether the items [t.done, due) of a transfer with both addresses incremented read bytes that
 * earlier items of the same span write (src < dst < src + span): item by item, the source's first
 * bytes land in the destination and are read again as later items' source (the copy propagates,
 * a pattern repeats), which one read of the whole span then one write would not show. Such spans
 * go item by item. (The silicon's controllers buffer items in a FIFO before writing, so their
 * result for overlapping spans depends on the FIFO: the model gives item order; a driver does
 * not overlap them.)
 */
function propagates(t: Transfer, due: number): boolean {
  const gap = (t.dst - t.src) >>> 0;
  return gap !== 0 && gap < (due - t.done) * t.width;
}
