import { describe, expect, it } from "vitest";
import { mergeLanes, readLanes } from "./register-bytes.js";

describe("a register's byte lanes", () => {
  it("a read gets its bytes of the word; a write merges its bytes into it", () => {
    expect([readLanes(0x11223344, 0, 4), readLanes(0x11223344, 1, 1), readLanes(0x11223344, 2, 2)]).toEqual([
      0x11223344, 0x33, 0x1122,
    ]);
    expect(readLanes(0xfedcba98, 0, 4)).toBe(0xfedcba98); // unsigned
    expect(mergeLanes(0x11223344, 1, 1, 0xab)).toBe(0x1122ab44);
    expect(mergeLanes(0x11223344, 2, 2, 0xbeef)).toBe(0xbeef3344);
    expect(mergeLanes(0x11223344, 0, 4, 0xcafef00d)).toBe(0xcafef00d);
    expect(mergeLanes(0, 3, 1, 0x1ff)).toBe(0xff000000); // only the lane's bits
  });
});
