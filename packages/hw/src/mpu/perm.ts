/**
 * Permission bytes: the MPU's decision for one 32-byte granule, precomputed per configuration.
 * One byte answers every (privilege, access kind) question and whether the memory is
 * Device/Strongly-ordered (unaligned accesses fault).
 */
export const Perm = {
  /** Privileged read. */
  PR: 1 << 0,
  /** Privileged write. */
  PW: 1 << 1,
  /** Privileged fetch (read permission and not XN). */
  PX: 1 << 2,
  /** Unprivileged read. */
  UR: 1 << 3,
  /** Unprivileged write. */
  UW: 1 << 4,
  /** Unprivileged fetch. */
  UX: 1 << 5,
  /** Device or Strongly-ordered memory: unaligned accesses are UsageFault UNALIGNED. */
  DEVICE: 1 << 6,
} as const;

/** All read/write/fetch bits for both privilege levels. */
export const PERM_ALL = Perm.PR | Perm.PW | Perm.PX | Perm.UR | Perm.UW | Perm.UX;
/** The privileged bits. */
export const PERM_PRIV = Perm.PR | Perm.PW | Perm.PX;

/** log2 of the permission granule: 32 bytes, the smallest MPU region and subregion. */
export const GRANULE_SHIFT = 5;
/** The permission granule in bytes (32): `1 << GRANULE_SHIFT`. */
export const GRANULE = 1 << GRANULE_SHIFT;
