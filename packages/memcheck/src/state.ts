/**
 * The per-byte checker state: one byte of host memory per managed byte of simulated memory.
 *
 * The seed keeps 4 bits per byte (owner 2 bits, WRT, INI). We keep the same information plus
 * derived bits so that one OR and one compare decide an aligned word for any mode:
 *
 * | bit | name | meaning |
 * |---|---|---|
 * | 0 | `K` | kernel code may access (owner is not NO; derived: A or U) |
 * | 1 | `A` | allocator code may access (owner ALL or ANY) |
 * | 2 | `U` | user (task) code may access (owner USR or ANY) |
 * | 4 | `W` | writable (WRT) |
 * | 5 | `I` | initialized (INI) |
 * | 6 | `P` | plain: owned and not a live stack byte |
 *
 * Bytes nobody owns (K, A, U clear) carry a tag in their upper bits instead: redzone, freed
 * (quarantined), stack below SP. On the device neither K, P nor the tag costs bits: K is
 * derived, the kernel knows stacks by address, and a NO byte's WRT and INI are free to encode
 * the tag, so the equivalent device cost stays the seed's 4 bits per byte.
 */

/** State bits of one managed byte. */
export const StateBit = {
  /** Kernel code may access the byte (set whenever A or U is). Bit `1 << ActorMode.Kernel`. */
  K: 1 << 0,
  /** Allocator code may access the byte (owner ALL or ANY). Bit `1 << ActorMode.Allocator`. */
  A: 1 << 1,
  /** User (task) code may access the byte (owner USR or ANY). Bit `1 << ActorMode.User`. */
  U: 1 << 2,
  /** Writable (WRT). */
  W: 1 << 4,
  /** Initialized (INI). */
  I: 1 << 5,
  /**
   * Plain: owned, and no task check needed: set on every owned byte except live stack bytes of
   * a task that is not running (those need the accessing task checked against the stack's).
   */
  P: 1 << 6,
  /** Live stack byte: in a followed task stack, at or above its stack pointer. */
  S: 1 << 7,
} as const;

/** Mask of the owner bits (K, A, U). */
export const OWNER_MASK = StateBit.K | StateBit.A | StateBit.U;

/**
 * Tags of bytes nobody owns (owner bits clear), saying why: the state byte is the tag.
 */
export const Tag = {
  /** Plain NO: a page not given out. */
  None: 0,
  /** Heap or slab redzone around a block. */
  Redzone: 0x10,
  /** Freed block kept in quarantine. */
  Freed: 0x20,
  /** Inside a task's stack, below its stack pointer. */
  StackFree: 0x30,
  /** A redzone around a local of a live call frame (above SP): `stack-buffer-overflow`. */
  StackRedzone: 0x40,
  /** A returned call frame's bytes (below SP, not reused since): `stack-use-after-return`. */
  StackReturned: 0x50,
  // 0x60 and 0x70 are free tags.
} as const;

/** The tag of a state byte (0 unless nobody owns it). */
export function tagOf(state: number): number {
  return (state & OWNER_MASK) === 0 ? state : 0;
}

/** Owner NO: nobody may access. */
export const NO = 0;
/** Owner ALL: allocator only. */
export const ALL = StateBit.A | StateBit.K | StateBit.P;
/** Owner USR: user only. */
export const USR = StateBit.U | StateBit.K | StateBit.P;
/** Owner ANY: allocator and user. */
export const ANY = StateBit.A | StateBit.U | StateBit.K | StateBit.P;
/**
 * A live stack byte (above SP) of a task that is not running: owner ANY, writable, not plain
 * (INI as written). While its task runs it also carries P, so the task's own stack accesses pass
 * the core's filter like any plain byte.
 */
export const STACK_LIVE = StateBit.A | StateBit.U | StateBit.K | StateBit.W | StateBit.S;

/** Whether a state byte is a live stack byte (of a running task or not). */
export function isStackLive(state: number): boolean {
  return (state & StateBit.S) !== 0;
}

/** Seed owner names of a state byte. */
export type OwnerName = "NO" | "ALL" | "USR" | "ANY";

/** The seed owner of a state byte. */
export function ownerOf(state: number): OwnerName {
  const o = state & (StateBit.A | StateBit.U);
  return o === 0 ? "NO" : o === StateBit.A ? "ALL" : o === StateBit.U ? "USR" : "ANY";
}

/**
 * The bit a mode needs in the owner field, indexed by actor mode (0 kernel, 1 allocator, 2 user,
 * 3 a DMA: what user code may touch, since a DMA moves data in and out of buffers handed out,
 * never the allocators' own memory).
 */
export const MODE_BIT: readonly number[] = [StateBit.K, StateBit.A, StateBit.U, StateBit.U];

/** Actor tags (task << 2 | mode) served by the fast path: tasks 0..1023. */
export const FAST_ACTORS = 4096;

/**
 * The fast-path table, indexed by actor tag: the complement of the bits all four bytes of an
 * aligned word need for any access by that actor (mode bit, W, I, P). The word is plainly fine
 * when `(word | FAST[actor]) === -1`. Reads of read-only memory and first writes take the slow
 * path, which is exact; actors beyond the table read `undefined` and take it too.
 */
export function fastTable(): Int32Array {
  const t = new Int32Array(FAST_ACTORS);
  for (let actor = 0; actor < FAST_ACTORS; actor++) {
    const b = MODE_BIT[actor & 3]! | StateBit.W | StateBit.I | StateBit.P;
    t[actor] = ~(b | (b << 8) | (b << 16) | (b << 24));
  }
  return t;
}

/**
 * Per mode (index `actor & 3`): the complement of what a first write needs in every byte of its
 * word (mode bit, W, P; INI not yet). Such a write only has to set INI: the slow path does that
 * without examining byte by byte.
 */
export const FIRST_WRITE: Int32Array = Int32Array.from(MODE_BIT, (m) => {
  const b = m | StateBit.W | StateBit.P;
  return ~(b | (b << 8) | (b << 16) | (b << 24));
});

/**
 * Two-character code of a state byte in dumps: owner letter (`-` NO, `a` ALL, `u` USR, `b` ANY)
 * then `=` writable+initialized, `_` writable+uninitialized, `r` read-only+initialized,
 * `?` read-only+uninitialized; tags print `RZ` (redzone), `FR` (freed), `SP` (stack below SP),
 * `SR` (stack redzone of a frame), `SA` (a returned frame's bytes); live stack bytes print
 * `s=`/`s_`.
 */
export function stateCode(state: number): string {
  const tag = tagOf(state);
  if (tag === Tag.Redzone) return "RZ";
  if (tag === Tag.Freed) return "FR";
  if (tag === Tag.StackFree) return "SP";
  if (tag === Tag.StackRedzone) return "SR";
  if (tag === Tag.StackReturned) return "SA";
  if ((state & OWNER_MASK) === 0) return "--";
  const o = ownerOf(state);
  const first = isStackLive(state) ? "s" : o === "ALL" ? "a" : o === "USR" ? "u" : o === "ANY" ? "b" : "k";
  const w = (state & StateBit.W) !== 0;
  const i = (state & StateBit.I) !== 0;
  return `${first}${w ? (i ? "=" : "_") : i ? "r" : "?"}`;
}

/** The legend printed under every state dump. */
export const STATE_LEGEND: readonly string[] = [
  "Checker state legend (one code per byte):",
  "  --  nobody (NO): page not given out",
  "  a?  allocator only (ALL)      u?  user only (USR)      b?  both (ANY)      s?  live stack",
  "  ?=  writable, initialized     ?_  writable, uninitialized",
  "  ?r  read-only, initialized    ??  read-only, uninitialized",
  "  RZ  redzone                   FR  freed (quarantine)   SP  stack below SP",
  "  SR  stack redzone (frame)      SA  stack after return (a returned frame)",
  "  PF  page returned to its region manager (not given out since)",
  "  ..  outside every managed region",
];
