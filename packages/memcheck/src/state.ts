/**
 * The per-byte checker state: one byte of host memory per managed byte of simulated memory.
 *
 * The seed keeps 4 bits per byte (owner 2 bits, WRT, INI). We keep the same information plus
 * two derived or reused fields so that one AND and one compare decide any access:
 *
 * | bit | name | meaning |
 * |---|---|---|
 * | 0 | `A` | allocator code may access (owner ALL or ANY) |
 * | 1 | `U` | user (task) code may access (owner USR or ANY) |
 * | 2 | `K` | kernel code may access (owner is not NO; derived: A or U) |
 * | 3 | `W` | writable (WRT) |
 * | 4 | `I` | initialized (INI) |
 * | 5-7 | tag | why the byte is special: redzone, freed (quarantined), stack below SP, live stack |
 *
 * On the device the tag needs no extra bits: it is only meaningful when the owner is NO (or
 * marks a stack, which the kernel knows by address), where WRT and INI are free to encode it,
 * so the equivalent device cost stays the seed's 4 bits per byte.
 */

/** State bits of one managed byte. */
export const StateBit = {
  /** Allocator code may access the byte. */
  A: 1 << 0,
  /** User (task) code may access the byte. */
  U: 1 << 1,
  /** Kernel code may access the byte (set whenever A or U is). */
  K: 1 << 2,
  /** Writable (WRT). */
  W: 1 << 3,
  /** Initialized (INI). */
  I: 1 << 4,
} as const;

/** Tags (bits 5-7) that say why a byte is not plainly owned. */
export const Tag = {
  /** Plain state. */
  None: 0,
  /** Heap or slab redzone around a block (owner NO). */
  Redzone: 1 << 5,
  /** Freed block kept in quarantine (owner NO). */
  Freed: 2 << 5,
  /** Inside a task's stack, below its stack pointer (owner NO). */
  StackFree: 3 << 5,
  /** Inside a task's stack, at or above its stack pointer (owner ANY; the task is checked). */
  StackLive: 4 << 5,
} as const;

/** Mask of the tag bits. */
export const TAG_MASK = 7 << 5;
/** Mask of the owner bits (A, U, K). */
export const OWNER_MASK = StateBit.A | StateBit.U | StateBit.K;

/** Owner NO: nobody may access. */
export const NO = 0;
/** Owner ALL: allocator only. */
export const ALL = StateBit.A | StateBit.K;
/** Owner USR: user only. */
export const USR = StateBit.U | StateBit.K;
/** Owner ANY: allocator and user. */
export const ANY = StateBit.A | StateBit.U | StateBit.K;

/** Seed owner names of a state byte. */
export type OwnerName = "NO" | "ALL" | "USR" | "ANY";

/** The seed owner of a state byte. */
export function ownerOf(state: number): OwnerName {
  const o = state & (StateBit.A | StateBit.U);
  return o === 0 ? "NO" : o === StateBit.A ? "ALL" : o === StateBit.U ? "USR" : "ANY";
}

/** The bit a mode needs in the owner field, indexed by actor mode (0 kernel, 1 allocator, 2 user, 3 kernel). */
export const MODE_BIT: readonly number[] = [StateBit.K, StateBit.A, StateBit.U, StateBit.K];

function splat(b: number): number {
  return b | (b << 8) | (b << 16) | (b << 24) | 0;
}

/**
 * Fast-path masks, indexed by `(kind << 2) | mode` (kind 0 read, 1 write, 2 fetch): an access is
 * plainly fine when `(state & MASK) === WANT` for every byte. A write also wants INI already set,
 * so the fast path never has to update the state; a first write takes the slow path once.
 */
export const FAST_MASK = new Int32Array(12);
/** Expected values for {@link FAST_MASK}. */
export const FAST_WANT = new Int32Array(12);
for (let kind = 0; kind < 3; kind++) {
  for (let mode = 0; mode < 4; mode++) {
    const m = MODE_BIT[mode]!;
    const want = kind === 1 ? m | StateBit.W | StateBit.I : m | StateBit.I;
    FAST_MASK[(kind << 2) | mode] = splat(want | TAG_MASK);
    FAST_WANT[(kind << 2) | mode] = splat(want);
  }
}

/**
 * Two-character code of a state byte in dumps: owner letter (`-` NO, `a` ALL, `u` USR, `b` ANY)
 * then `=` writable+initialized, `_` writable+uninitialized, `r` read-only+initialized,
 * `?` read-only+uninitialized; tags print `RZ` (redzone), `FR` (freed), `SP` (stack below SP);
 * live stack bytes print `s=`/`s_`.
 */
export function stateCode(state: number): string {
  const tag = state & TAG_MASK;
  if (tag === Tag.Redzone) return "RZ";
  if (tag === Tag.Freed) return "FR";
  if (tag === Tag.StackFree) return "SP";
  const o = ownerOf(state);
  const first = tag === Tag.StackLive ? "s" : o === "NO" ? "-" : o === "ALL" ? "a" : o === "USR" ? "u" : "b";
  const w = (state & StateBit.W) !== 0;
  const i = (state & StateBit.I) !== 0;
  const second = w ? (i ? "=" : "_") : i ? "r" : "?";
  return o === "NO" && tag === Tag.None ? "--" : `${first}${second}`;
}

/** The legend printed under every state dump. */
export const STATE_LEGEND: readonly string[] = [
  "Checker state legend (one code per byte):",
  "  --  nobody (NO): page not given out",
  "  a?  allocator only (ALL)      u?  user only (USR)      b?  both (ANY)      s?  live stack",
  "  ?=  writable, initialized     ?_  writable, uninitialized",
  "  ?r  read-only, initialized    ??  read-only, uninitialized",
  "  RZ  redzone                   FR  freed (quarantine)   SP  stack below SP",
  "  ..  outside every managed region",
];
