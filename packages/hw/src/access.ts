/** Kinds of memory access the core performs. */
export const AccessKind = {
  /** Data read (LDR). */
  Read: 0,
  /** Data write (STR). */
  Write: 1,
  /** Instruction fetch. */
  Fetch: 2,
} as const;
/** One of {@link AccessKind}'s values. */
export type AccessKind = (typeof AccessKind)[keyof typeof AccessKind];

/** Human name of an access kind. */
export function accessKindName(kind: AccessKind): "read" | "write" | "fetch" {
  return kind === AccessKind.Read ? "read" : kind === AccessKind.Write ? "write" : "fetch";
}

/** Access sizes of single loads and stores. */
export type AccessSize = 1 | 2 | 4;

/**
 * A record of one access, as carried by faults and hook reports.
 */
export interface AccessRecord {
  /** First byte address (unsigned 32-bit). */
  readonly address: number;
  /** Bytes accessed. */
  readonly size: number;
  /** read, write or fetch. */
  readonly kind: AccessKind;
  /** Whether the access was checked as privileged. */
  readonly privileged: boolean;
  /** The actor tag set on the core by software when the access was made (see `Core.actor`). */
  readonly actor: number;
}

/**
 * The narrow interface through which a memory checker sees every access that the MPU allowed,
 * before the bus performs it. Throwing from `onAccess` aborts the access: the core latches the
 * error as the pending fault of the running code (so it cannot be swallowed) and rethrows it.
 *
 * `actor` is the value software put in `Core.actor` (e.g. task id and mode packed by the kernel).
 */
export interface AccessHook {
  /** Called with each access the MPU allowed, before the bus performs it (`size` in bytes); throw to abort it. */
  onAccess(address: number, size: number, kind: AccessKind, privileged: boolean, actor: number): void;
  /**
   * Optional accelerator: lets the core skip the call for accesses the hook already knows are
   * good. Every access that does not pass it (and every access the core's fast paths do not take)
   * still reaches `onAccess`.
   */
  readonly filter?: AccessFilter | undefined;
  /**
   * Optional: a bus master other than the core starts a transfer as `actor` (a DMA's EN, see
   * `BusMaster.begin`). Its accesses until its next start are pieces of that one transfer, however
   * many pieces time cuts it into (a checker reports one transfer's bad writes into a block once).
   */
  readonly onMasterStart?: ((actor: number) => void) | undefined;
}

/**
 * A hook's fast pre-check, evaluated by the core itself. The hook keeps one state byte per byte
 * of memory in `Core.filterState` (at the memory's offsets in the bus buffer: `Bus.offsetOf`);
 * an aligned access whose state word (the four state bytes of its word) passes
 * `(word | filterMasks[actor]) === -1` is known good to the hook, which is then not called. A
 * memory checker offers its per-byte state this way (the mask requiring "owned by this mode,
 * writable, initialized" in every byte). State bytes of memory the hook does not track must
 * never pass (0 does not, with any allowed mask).
 */
export interface AccessFilter {
  /** OR-masks by actor tag; a missing entry never passes, and no mask may be -1. */
  readonly filterMasks: Int32Array;
}

/**
 * Who is running, as the checker distinguishes it: the kernel, allocator code, or user (task)
 * code; or, for an access that is not the core's at all, a DMA controller (another bus master,
 * {@link BusMaster}). Software packs it with a task id into `Core.actor` with {@link makeActor}.
 */
export const ActorMode = {
  /** Kernel code. */
  Kernel: 0,
  /** Allocator code (a task's call into an allocator included). */
  Allocator: 1,
  /** Task (user) code. */
  User: 2,
  /**
   * A DMA controller's transfer: not the core's access (no MPU, no privilege). The task bits name
   * the task that programmed the transfer (0: unknown).
   */
  Dma: 3,
} as const;
/** One of {@link ActorMode}'s values. */
export type ActorMode = (typeof ActorMode)[keyof typeof ActorMode];

/** Packs a mode and a task id (0 = none) into an actor tag: `(task << 2) | mode`. */
export function makeActor(mode: ActorMode, task = 0): number {
  return ((task << 2) | mode) >>> 0;
}

/** The mode of an actor tag. */
export function actorMode(actor: number): ActorMode {
  return (actor & 3) as ActorMode;
}

/** The task id of an actor tag (0 = none). */
export function actorTask(actor: number): number {
  return actor >>> 2;
}

/** The same actor tag with another mode (e.g. a task's code entering the allocator). */
export function withActorMode(actor: number, mode: ActorMode): number {
  return ((actor & ~3) | mode) >>> 0;
}
