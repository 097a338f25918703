import { describe, expect, it } from "vitest";
import { createMachine } from "../machine.js";
import { hwErrorOf as errOf } from "../test-util.js";
import { STM32F407 } from "./builtin/stm32f407.js";
import { halfwordLE, wordsLE } from "./contents.js";
import { defineBoard } from "./define.js";
import { parseBoardJson } from "./json.js";
import type { BoardSpec, MemoryContentsSpec } from "./types.js";

const MEMORY = [
  { name: "ROM", kind: "rom", start: 0x1000, size: 0x100 },
  { name: "OTP", kind: "otp", start: 0x1100, size: 0x20 },
  { name: "RAM", start: 0x20000000, size: 0x1000 },
] as const;

function board(contents: readonly unknown[]) {
  return defineBoard({
    name: "b",
    core: "cortex-m4",
    memory: MEMORY,
    contents: contents as readonly MemoryContentsSpec[],
  });
}

describe("board contents: initial bytes of read-only memory", () => {
  it("loads each entry at its address when a machine is built; the rest reads zero", () => {
    const b = board([
      { name: "ID", address: 0x1010, bytes: wordsLE(0x11223344), description: "an ID word" },
      { name: "SIZE", address: 0x1100, bytes: new Uint8Array(halfwordLE(256)) },
    ]);
    expect(b.contents).toEqual([
      {
        name: "ID",
        address: 0x1010,
        end: 0x1014,
        bytes: [0x44, 0x33, 0x22, 0x11],
        description: "an ID word",
        region: "ROM",
      },
      { name: "SIZE", address: 0x1100, end: 0x1102, bytes: [0x00, 0x01], description: "SIZE", region: "OTP" },
    ]);
    expect(Object.isFrozen(b.contents[0]!.bytes)).toBe(true);
    const m = createMachine(b);
    expect([m.core.read32(0x1010), m.core.read16(0x1100), m.core.read32(0x100c), m.core.read32(0x1014)]).toEqual([
      0x11223344, 256, 0, 0,
    ]);
    // Each machine gets its own copy: a debugger-style load into one leaves the board and others alone.
    m.bus.load(0x1010, new Uint8Array([0]));
    expect(createMachine(b).core.read32(0x1010)).toBe(0x11223344);
    expect(board([]).contents).toEqual([]);
    expect(defineBoard({ name: "c", core: "cortex-m4", memory: MEMORY }).contents).toEqual([]);
  });

  it.each([
    ["not an array", { x: 1 }, "contents", "BOARD_FIELD"],
    ["an entry not an object", [7], "contents[0]", "BOARD_FIELD"],
    ["no name", [{ address: 0x1000, bytes: [1] }], "contents[0].name", "BOARD_FIELD"],
    ["a bad address", [{ name: "A", address: -4, bytes: [1] }], "contents[0].address", "BOARD_FIELD"],
    ["no bytes", [{ name: "A", address: 0x1000, bytes: [] }], "contents[0].bytes", "BOARD_FIELD"],
    ["bytes a string", [{ name: "A", address: 0x1000, bytes: "0102" }], "contents[0].bytes", "BOARD_FIELD"],
    ["a byte out of range", [{ name: "A", address: 0x1000, bytes: [1, 256] }], "contents[0].bytes[1]", "BOARD_FIELD"],
    ["a fractional byte", [{ name: "A", address: 0x1000, bytes: [0.5] }], "contents[0].bytes[0]", "BOARD_FIELD"],
    [
      "a bad description",
      [{ name: "A", address: 0x1000, bytes: [1], description: 3 }],
      "contents[0].description",
      "BOARD_FIELD",
    ],
    [
      "a null description",
      [{ name: "A", address: 0x1000, bytes: [1], description: null }],
      "contents[0].description",
      "BOARD_FIELD",
    ],
    // A sparse list's hole is an entry that is not an object (was a TypeError from the sort).
    [
      "a hole in the list",
      Object.assign(new Array(3), {
        0: { name: "A", address: 0x1000, bytes: [1] },
        2: { name: "B", address: 0x1004, bytes: [1] },
      }),
      "contents[1]",
      "BOARD_FIELD",
    ],
    [
      "a hole in the bytes",
      [{ name: "A", address: 0x1000, bytes: Object.assign(new Array(3), { 0: 1, 2: 2 }) }],
      "contents[0].bytes[1]",
      "BOARD_FIELD",
    ],
    ["in RAM", [{ name: "A", address: 0x20000000, bytes: [1] }], "contents[0].address", "BOARD_FIELD"],
    ["in no memory", [{ name: "A", address: 0x0800, bytes: [1] }], "contents[0].address", "BOARD_FIELD"],
    ["past a region's end", [{ name: "A", address: 0x111e, bytes: [1, 2, 3] }], "contents[0].address", "BOARD_FIELD"],
    // ROM and OTP are contiguous, but an entry lies in one region.
    ["across two regions", [{ name: "A", address: 0x10fe, bytes: [1, 2, 3, 4] }], "contents[0].address", "BOARD_FIELD"],
    [
      "a duplicate name",
      [
        { name: "A", address: 0x1000, bytes: [1] },
        { name: "A", address: 0x1004, bytes: [1] },
      ],
      "contents[1].name",
      "BOARD_FIELD",
    ],
    [
      "two entries overlapping",
      [
        { name: "A", address: 0x1004, bytes: [1, 2, 3, 4] },
        { name: "B", address: 0x1000, bytes: [1, 2, 3, 4, 5] },
      ],
      "contents[1]",
      "BOARD_OVERLAP",
    ],
  ])("%s: a typed error naming the field", (_, contents, field, code) => {
    const e = errOf(() =>
      defineBoard({ name: "b", core: "cortex-m4", memory: MEMORY, contents } as unknown as BoardSpec),
    );
    expect([e.code, e.context.field]).toEqual([code, field]);
  });

  it("hostile lists: a huge one refused by its span before its bytes are copied, a length that changes read once", () => {
    // 1 GiB of zeros in a 256-byte ROM: refused by its span (copying it first took the time and memory).
    const huge = new Uint8Array(2 ** 30);
    expect(errOf(() => board([{ name: "A", address: 0x1000, bytes: huge }])).message).toBe(
      'BOARD_FIELD: board "b": contents[0].address [0x00001000, 0x40001000): no single memory region of the board holds them',
    );
    let reads = 0;
    const lying = Uint8Array.of(1, 2, 3, 4);
    Object.defineProperty(lying, "length", { get: () => (reads++ === 0 ? 4 : 2 ** 30) });
    const b = board([{ name: "A", address: 0x1000, bytes: lying }]);
    expect([b.contents[0]!.bytes, b.contents[0]!.end, reads]).toEqual([[1, 2, 3, 4], 0x1004, 1]);
    // A length that is not a whole number (an array-like's getter): refused as no list of bytes.
    const odd = Uint8Array.of(1);
    Object.defineProperty(odd, "length", { get: () => 0.5 });
    expect(errOf(() => board([{ name: "A", address: 0x1000, bytes: odd }])).context.field).toBe("contents[0].bytes");
  });

  it("names the region it found writable, or that none holds the bytes", () => {
    expect(errOf(() => board([{ name: "A", address: 0x20000000, bytes: [1] }])).message).toBe(
      'BOARD_FIELD: board "b": contents[0].address [0x20000000, 0x20000001): RAM is writable (initial contents are for read-only memory)',
    );
    expect(errOf(() => board([{ name: "A", address: 0x10fe, bytes: [1, 2, 3, 4] }])).message).toBe(
      'BOARD_FIELD: board "b": contents[0].address [0x000010fe, 0x00001102): no single memory region of the board holds them',
    );
  });

  it("JSON: contents with hex-string addresses; unknown keys refused", () => {
    const text = (entry: string) => `{"name": "j", "core": "cortex-m4",
      "memory": [{"name": "ROM", "kind": "rom", "start": "0x1000", "size": "0x100"}],
      "contents": [${entry}]}`;
    const b = parseBoardJson(text(`{"name": "UID", "address": "0x1010", "bytes": [1, 2, 3, 4], "description": "id"}`));
    expect(createMachine(b).core.read32(0x1010)).toBe(0x04030201);
    const e = errOf(() => parseBoardJson(text(`{"name": "UID", "address": "0x1010", "byte": [1]}`)));
    expect([e.code, e.context.field]).toEqual(["BOARD_FIELD", "contents[0].byte"]);
    const bad = errOf(() => parseBoardJson(text(`{"name": "UID", "address": "0x10K0", "bytes": [1]}`)));
    expect([bad.code, bad.context.field]).toEqual(["BOARD_FIELD", "contents[0].address"]);
  });

  it("another UID: a board made from a built-in one with its own contents (validated the same way)", () => {
    const mine = defineBoard({
      ...STM32F407,
      name: "my-f407",
      contents: STM32F407.contents.map((c) =>
        c.name === "UID" ? { ...c, bytes: wordsLE(0x00010002, 0x00030004, 0x00050006) } : c,
      ),
    });
    const m = createMachine(mine);
    expect([m.core.read32(0x1fff7a10), m.core.read32(0x1fff7a18), m.core.read16(0x1fff7a22)]).toEqual([
      0x00010002, 0x00050006, 1024,
    ]);
    const e = errOf(() =>
      defineBoard({
        ...STM32F407,
        contents: [{ name: "UID", address: 0x1fff7a10, bytes: wordsLE(1, 2, 3, 4, 5, 6, 7) }],
      }),
    );
    expect([e.code, e.context.field]).toEqual(["BOARD_FIELD", "contents[0].address"]);
  });
});
