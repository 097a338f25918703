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
  onAccess(address: number, size: number, kind: AccessKind, privileged: boolean, actor: number): void;
}
