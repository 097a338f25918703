import type { BaselineRun } from "./measure.js";

/** What {@link checksInlineRun} reads of a simulated core (structurally: hw's `Core`). */
export interface InlineCheckCore {
  readonly bus: {
    readonly buffer: ArrayBuffer;
    readonly blocks: Int32Array;
    readonly bufferLayout: { readonly memoryBytes: number };
    readonly segments: readonly { readonly start: number; readonly size: number }[];
    offsetOf(address: number): number;
  };
  readonly filterState: Uint8Array;
  permissionAt(address: number): number;
}

/** Options of {@link checksInlineRun}. */
export interface InlineCheckOptions {
  /** The permission bits (hw's `Perm`) a load and a store need at the privilege measured. */
  readonly readBit: number;
  readonly writeBit: number;
  /** The checker's filter mask of the measuring actor; -1 (the default): no filter test. */
  readonly filterMask?: number;
}

/**
 * A bound for the access rows: the tests a core's fast path makes for each access, written
 * inline in the loop with every table in a local (no object, no call, no cycle count): the
 * address through the bus's block table to a buffer offset, the granule's permission byte,
 * alignment and, with a filter mask, the checker's state word; over copies of the core's memory
 * and filter state, with the permissions `permissionAt` gives at the time of the call. Its
 * loads, stores and accumulation are the access loops' (`accessLoop`, the kernel's task-like
 * loop). An access that fails a test would take a slow path: the run throws, as the addresses
 * measured must never need one.
 */
export function checksInlineRun(
  core: InlineCheckCore,
  addresses: Uint32Array,
  options: InlineCheckOptions,
  ops = 2 * addresses.length,
): BaselineRun {
  const bus = core.bus;
  const d = new DataView(bus.buffer.slice(0));
  const blocks = bus.blocks.slice();
  const view = new Uint8Array(bus.bufferLayout.memoryBytes >>> 5);
  for (const s of bus.segments.slice(1)) {
    for (let a = s.start; a < s.start + s.size; a += 32) {
      const p = core.permissionAt(a);
      view[bus.offsetOf(a) >>> 5] = ((p & options.readBit) !== 0 ? 1 : 0) | ((p & options.writeBit) !== 0 ? 2 : 0);
    }
  }
  const filter = new Int32Array(core.filterState.slice().buffer, 0, core.filterState.length >>> 2);
  const mask = (options.filterMask ?? -1) | 0;
  return {
    name: `bound: the checks inline in the loop${mask === -1 ? "" : ", with the checker's filter word"} (no object, no call)`,
    ops,
    run: () => {
      let acc = 0;
      let slow = 0;
      for (let n = 0; n < addresses.length; n++) {
        const a = addresses[n]! | 0;
        const i = (a + blocks[a >>> 16]!) | 0;
        if ((view[i >>> 5]! & 1) !== 0 && (i & 3) === 0 && (mask === -1 || (filter[i >>> 2]! | mask) === -1)) {
          acc = (acc + d.getUint32(i, true)) | 0;
        } else slow++;
        const j = (a + blocks[a >>> 16]!) | 0;
        if ((view[j >>> 5]! & 2) !== 0 && (j & 3) === 0 && (mask === -1 || (filter[j >>> 2]! | mask) === -1)) {
          d.setUint32(j, acc, true);
        } else slow++;
      }
      if (slow !== 0) throw new Error(`the bound's loop met ${slow} accesses its tests refuse`);
      return acc;
    },
  };
}
