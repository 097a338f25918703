/**
 * The narrow view of memory the region manager works through. `machine.core` satisfies it
 * (privileged kernel accesses, checked by the MPU and shown to the memory checker's hook); a
 * test or a benchmark may pass any object with these methods, e.g. {@link dataViewPort}.
 */
export interface MemoryPort {
  read8(address: number): number;
  read16(address: number): number;
  read32(address: number): number;
  write8(address: number, value: number): void;
  write16(address: number, value: number): void;
  write32(address: number, value: number): void;
  /**
   * The core's actor tag (`Core.actor`), when the port has one: the region manager switches its
   * mode to `ActorMode.Allocator` (keeping the task bits) while it touches its metadata, and
   * restores it afterwards, so a memory checker sees those accesses as the allocator's.
   */
  actor?: number;
}

/**
 * A {@link MemoryPort} over a plain DataView mapped at `base` (little-endian, no checks): the
 * benchmark's baseline, and a way to run the region manager with no machine at all.
 *
 * @example
 * ```ts
 * const port = dataViewPort(0x20000000, new DataView(new ArrayBuffer(128 * 1024)));
 * const rm = new RegionManager({ memory: port, regions: [{ name: "RAM", start: 0x20000000, size: 128 * 1024 }] });
 * ```
 */
export function dataViewPort(base: number, view: DataView): MemoryPort {
  const b = base >>> 0;
  return {
    read8: (a) => view.getUint8(a - b),
    read16: (a) => view.getUint16(a - b, true),
    read32: (a) => view.getUint32(a - b, true),
    write8: (a, v) => view.setUint8(a - b, v),
    write16: (a, v) => view.setUint16(a - b, v, true),
    write32: (a, v) => view.setUint32(a - b, v, true),
  };
}
