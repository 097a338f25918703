import { type AccessHook, AccessKind, ActorMode, makeActor } from "../access.js";
import type { Bus } from "./bus.js";

/** Why the bus refused a {@link BusMaster}'s access (the DMA then sets its transfer-error flag). */
export type BusMasterRefusal =
  /** Nothing decodes the address (no memory region, no peripheral range). */
  | "unmapped"
  /** A write to read-only memory (flash, ROM, OTP). */
  | "read-only"
  /**
   * Memory or registers this master has no path to (a region or peripheral range with
   * `dmaReachable: false`, e.g. the STM32F407's CCM, the RP2040's SIO).
   */
  | "unreachable";

/** A refused access of a {@link BusMaster}: where, which way, and why. */
export interface BusMasterError {
  /** The first byte of the refused access. */
  readonly address: number;
  /** "read" or "write". */
  readonly access: "read" | "write";
  /** Why the bus refused it. */
  readonly reason: BusMasterRefusal;
}

/** Where a {@link BusMaster} finds the access hook to show its accesses to (`machine.core` is one). */
export interface HookSource {
  /** The memory checker's hook, or null. */
  readonly hook: AccessHook | null;
}

/**
 * A bus master other than the core, such as a DMA controller: its accesses go through the bus
 * (memory decode, read-only memory, peripherals, and what the master can reach) but not through
 * the core's MPU, privilege or fault registers. This is the point of the model: the Cortex-M MPU
 * checks the core's accesses only, so a task that can program a DMA reaches every byte the DMA
 * reaches, whatever its MPU regions say. A refused access is returned, not thrown (the silicon
 * answers the master with a bus error; the core takes no fault). Every access the bus accepts
 * is shown to the access hook first (`hooks.hook`, read at each access), with the actor
 * {@link BusMaster.actor} (mode `ActorMode.Dma`), so a memory checker sees the DMA's writes as
 * the DMA's; its cost in core cycles is {@link BusMaster.cost}.
 *
 * @example
 * ```ts
 * import { BusMaster, createMachine, STM32F407 } from "@rtos-sim/hw";
 * const m = createMachine(STM32F407);
 * const dma = new BusMaster(m.bus, m.core);
 * console.log(dma.write(0x20000000, 4, 0xcafe)); // null
 * // null: done, whatever the MPU says
 * console.log(dma.write(0x10000000, 4, 1)); // { address: 268435456, access: 'write', reason: 'unreachable' }
 * // 0x10000000 is the CCM, which only the core reaches
 * ```
 */
export class BusMaster {
  /** The actor tag its accesses carry (mode `ActorMode.Dma`; set the task bits to name who programmed it). */
  actor: number = makeActor(ActorMode.Dma);

  constructor(
    private readonly bus: Bus,
    private readonly hooks: HookSource,
  ) {}

  /**
   * Starts a transfer as {@link BusMaster.actor}: tells the access hook (its `onMasterStart`) that
   * the accesses until the next start are pieces of one transfer. A DMA calls it when a stream
   * starts moving data.
   */
  begin(): void {
    this.hooks.hook?.onMasterStart?.(this.actor);
  }

  /** Why an access of `size` bytes at `address` would be refused, or null when the bus takes it. */
  refusal(address: number, size: number, write: boolean): BusMasterRefusal | null {
    const a = address >>> 0;
    const seg = this.bus.segmentFor(a, size);
    if (seg === undefined) {
      const first = this.bus.peripheralRangeOf(a);
      const last = this.bus.peripheralRangeOf((a + size - 1) >>> 0);
      if (first === undefined || last === undefined) return "unmapped";
      // A peripheral block off this master's bus (the RP2040's SIO): a bus error, as for CCM.
      if (first.dmaReachable === false || last.dmaReachable === false) return "unreachable";
      return null;
    }
    for (const r of seg.regions) {
      if (a < r.end && r.start < a + size) {
        if (!r.dmaReachable) return "unreachable";
        if (write && r.readOnly) return "read-only";
      }
    }
    return null;
  }

  /**
   * Reads `size` bytes (1, 2 or 4, little-endian) at `address`: the value, or the refusal. A
   * peripheral register is read through its device (unattached registers read 0).
   */
  read(address: number, size: 1 | 2 | 4): number | BusMasterError {
    const a = address >>> 0;
    const why = this.refusal(a, size, false);
    if (why !== null) return { address: a, access: "read", reason: why };
    const seg = this.bus.segmentFor(a, size);
    if (seg === undefined) {
      const hit = this.bus.peripheralAt(a)!;
      return hit.device === null ? 0 : hit.device.read(hit.offset, size, { privileged: true, actor: this.actor });
    }
    this.hooks.hook?.onAccess(a, size, AccessKind.Read, true, this.actor);
    return seg.readSized(a - seg.start, size);
  }

  /**
   * Writes the low `size` bytes (1, 2 or 4) of `value` at `address`, little-endian: null when
   * done, else the refusal (nothing written). A peripheral register is written through its device.
   */
  write(address: number, size: 1 | 2 | 4, value: number): BusMasterError | null {
    const a = address >>> 0;
    const why = this.refusal(a, size, true);
    if (why !== null) return { address: a, access: "write", reason: why };
    const seg = this.bus.segmentFor(a, size);
    if (seg === undefined) {
      const hit = this.bus.peripheralAt(a)!;
      hit.device?.write(hit.offset, size, value, { privileged: true, actor: this.actor });
      return null;
    }
    this.hooks.hook?.onAccess(a, size, AccessKind.Write, true, this.actor);
    seg.writeSized(a - seg.start, size, value);
    return null;
  }

  /**
   * Reads `length` bytes of memory at `address` as one access (a burst; the hook sees one read of
   * the whole span): the bytes, or the refusal of the span (nothing read; its `address` is the
   * span's start). Device registers are not read in blocks: a span outside memory is `unmapped`.
   */
  readBlock(address: number, length: number): Uint8Array | BusMasterError {
    const a = address >>> 0;
    const why = this.blockRefusal(a, length, false);
    if (why !== null) return { address: a, access: "read", reason: why };
    if (length === 0) return new Uint8Array(0);
    this.hooks.hook?.onAccess(a, length, AccessKind.Read, true, this.actor);
    const seg = this.bus.segmentFor(a, length)!;
    return seg.bytes.slice(a - seg.start, a - seg.start + length);
  }

  /**
   * Writes `data` into memory at `address` as one access (the hook sees one write of the whole
   * span): null when done, else the refusal of the span (nothing written).
   */
  writeBlock(address: number, data: Uint8Array): BusMasterError | null {
    const a = address >>> 0;
    const why = this.blockRefusal(a, data.length, true);
    if (why !== null) return { address: a, access: "write", reason: why };
    if (data.length === 0) return null;
    this.hooks.hook?.onAccess(a, data.length, AccessKind.Write, true, this.actor);
    const seg = this.bus.segmentFor(a, data.length)!;
    seg.bytes.set(data, a - seg.start);
    return null;
  }

  private blockRefusal(a: number, length: number, write: boolean): BusMasterRefusal | null {
    if (length === 0) return null;
    if (this.bus.segmentFor(a, length) === undefined) return "unmapped";
    return this.refusal(a, length, write);
  }

  /**
   * Core cycles one access at `address` takes, as the core's are charged (docs/timing.md): 1 +
   * the memory's wait states, 2 for a peripheral register; 1 for an address nothing decodes.
   */
  cost(address: number): number {
    const r = this.bus.regionAt(address >>> 0);
    if (r !== undefined) return 1 + r.waitStates;
    return this.bus.isPeripheral(address >>> 0) ? 2 : 1;
  }
}
