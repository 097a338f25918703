import type { MemoryPort } from "@rtos-sim/hw";

/**
 * A `MemoryPort` (of `@rtos-sim/hw`) over a plain DataView mapped at `base` (little-endian, no checks): the
 * benchmark's baseline, and a way to run the region manager with no machine at all.
 *
 * @example
 * ```ts
 * import { dataViewPort, RegionManager } from "@rtos-sim/region";
 * const port = dataViewPort(0x20000000, new DataView(new ArrayBuffer(128 * 1024)));
 * const rm = new RegionManager({ memory: port, regions: [{ name: "RAM", start: 0x20000000, size: 128 * 1024 }] });
 * ```
 */
export function dataViewPort(base: number, view: DataView): MemoryPort {
  const b = base >>> 0;
  return {
    actor: 0,
    read8: (a) => view.getUint8(a - b),
    read16: (a) => view.getUint16(a - b, true),
    read32: (a) => view.getUint32(a - b, true),
    write8: (a, v) => view.setUint8(a - b, v),
    write16: (a, v) => view.setUint16(a - b, v, true),
    write32: (a, v) => view.setUint32(a - b, v, true),
  };
}
