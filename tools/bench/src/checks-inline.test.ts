import { describe, expect, it } from "vitest";
import { checksInlineRun, type InlineCheckCore } from "./checks-inline.js";

/** A core with one 64 KiB RAM at 0x20000000 at buffer offset 0x10000, readable everywhere, writable below 0x20008000. */
function fakeCore(filterByte = 0xff): InlineCheckCore {
  const buffer = new ArrayBuffer(0x20000);
  const blocks = new Int32Array(1 << 16).fill(-0x7fffffff);
  blocks[0x2000] = 0x10000 - 0x20000000;
  return {
    bus: {
      buffer,
      blocks,
      bufferLayout: { memoryBytes: 0x20000 },
      segments: [
        { start: 0, size: 0 },
        { start: 0x20000000, size: 0x10000 },
      ],
      offsetOf: (a) => (a + blocks[a >>> 16]!) | 0,
    },
    filterState: new Uint8Array(0x20000).fill(filterByte),
    permissionAt: (a) => (a < 0x20008000 ? 3 : 1),
  };
}

describe("checksInlineRun", () => {
  it("loads and stores as the access loops do, at the buffer offsets of the addresses", () => {
    const core = fakeCore();
    new DataView(core.bus.buffer).setUint32(0x10010, 5, true);
    const addresses = Uint32Array.from([0x20000010, 0x20000010, 0x20000020]);
    const run = checksInlineRun(core, addresses, { readBit: 1, writeBit: 2 });
    expect(run.ops).toBe(6);
    // acc: 5, then 5 + 5 (the stored 5 read back), then 10 + 0
    expect(run.run()).toBe(10);
    expect(run.name).toBe("bound: the checks inline in the loop (no object, no call)");
  });

  it("works on a copy of the core's memory", () => {
    const core = fakeCore();
    checksInlineRun(core, Uint32Array.from([0x20000010]), { readBit: 1, writeBit: 2 }).run();
    expect(new Uint8Array(core.bus.buffer).some((b) => b !== 0)).toBe(false);
  });

  it("throws when the permissions, the alignment or the filter word would send an access to a slow path", () => {
    const core = fakeCore();
    expect(() => checksInlineRun(core, Uint32Array.from([0x20008000]), { readBit: 1, writeBit: 2 }).run()).toThrow(
      /1 accesses/,
    );
    expect(() => checksInlineRun(core, Uint32Array.from([0x20000002]), { readBit: 1, writeBit: 2 }).run()).toThrow(
      /2 accesses/,
    );
    const filtered = fakeCore(0x0f);
    const run = checksInlineRun(filtered, Uint32Array.from([0x20000000]), { readBit: 1, writeBit: 2, filterMask: 0 });
    expect(run.name).toContain("with the checker's filter word");
    expect(() => run.run()).toThrow(/2 accesses/);
    expect(
      checksInlineRun(filtered, Uint32Array.from([0x20000000]), {
        readBit: 1,
        writeBit: 2,
        filterMask: -0x0f0f0f10,
      }).run(),
    ).toBe(0);
  });
});
