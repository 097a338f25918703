import type { MemoryPort } from "@rtos-sim/hw";

/**
 * `withActorMode(actor, ActorMode.Allocator)` of `@rtos-sim/hw` as plain arithmetic (an actor tag
 * packs `(task << 2) | mode`; Allocator mode is 1), kept in this module because a call into
 * another one on every allocate and free measurably slows the allocators. A test pins it to hw's.
 */
export function allocatorTag(actor: number): number {
  return ((actor & ~3) | 1) >>> 0;
}

/**
 * The accessor every allocator wraps around its work on its own metadata: {@link enter} switches
 * `memory.actor` to `ActorMode.Allocator` (keeping the task bits, so the checker sees
 * "allocator code running for task n"), {@link leave} restores the caller's tag. Nested
 * enter/leave pairs (a slab array calling a slab, a resize calling allocate) keep the outermost
 * caller's tag.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { AllocatorAccess } from "@rtos-sim/alloc";
 * const m = createMachine(STM32F407);
 * const access = new AllocatorAccess(m.core);
 * access.enter();
 * try {
 *   access.memory.write32(0x20000000, 64); // a block header: its size
 * } finally {
 *   access.leave();
 * }
 * ```
 */
export class AllocatorAccess {
  /** The memory the metadata lives in. */
  readonly memory: MemoryPort;
  private depth = 0;
  private saved = 0;

  constructor(memory: MemoryPort) {
    this.memory = memory;
  }

  /**
   * Whether {@link enter}/{@link leave} are needed: false while the memory reports its actor tag
   * unobserved (no checker), so hot paths may skip the pair and its `try`/`finally`.
   */
  get switching(): boolean {
    return this.memory.actorObserved !== false;
  }

  /** Starts allocator work: metadata accesses from now on carry the Allocator mode. */
  enter(): void {
    if (this.depth++ === 0) {
      const a = this.memory.actor;
      this.saved = a;
      this.memory.actor = allocatorTag(a);
    }
  }

  /** Ends allocator work: restores the caller's actor tag once the outermost call leaves. */
  leave(): void {
    if (--this.depth === 0) this.memory.actor = this.saved;
  }

  /** The tag of the code that called into the allocator (for copies made on its behalf). */
  get callerActor(): number {
    return this.depth > 0 ? this.saved : this.memory.actor;
  }

  /**
   * Copies `length` bytes from a live block to another with the caller's actor tag (realloc's
   * copy is the user's data moving on the user's behalf, not allocator metadata), through
   * `copier.memcpy` when the observer offers one (see `BlockObserver.memcpy`).
   */
  copyAsCaller(
    dst: number,
    src: number,
    length: number,
    copier?: { readonly memcpy?: ((d: number, s: number, n: number) => void) | undefined },
  ): void {
    const m = this.memory;
    const mine = m.actor;
    m.actor = this.callerActor;
    try {
      if (copier?.memcpy) {
        copier.memcpy(dst, src, length);
        return;
      }
      let i = 0;
      if (((dst | src) & 3) === 0) for (; i + 4 <= length; i += 4) m.write32(dst + i, m.read32(src + i));
      for (; i < length; i++) m.write8(dst + i, m.read8(src + i));
    } finally {
      m.actor = mine;
    }
  }
}
