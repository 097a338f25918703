import { type Board, createMachine, defineBoard, MPS2_AN386, MPS2_AN505, STM32F407 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemcheckError } from "./errors.js";
import { Shadow } from "./shadow.js";
import { ANY, StateBit, USR } from "./state.js";

// The shadow's per-byte state at the edges that matter: address 0 (the MPS2-AN386's RAM starts
// there), the first and last byte of each managed range, the seam of two board regions merged
// into one range (STM32F407's SRAM1+SRAM2), and a range that starts and ends inside a word (a
// board from JSON may place RAM anywhere), where the word-at-a-time scans start and stop.

/** RAM at [0x20000001, 0x20000103): its first and last words are shared with no memory. */
const ODD: Board = defineBoard({
  name: "odd-ram",
  core: "cortex-m4",
  mpuRegions: 8,
  clockHz: 1_000_000,
  memory: [
    { name: "Flash", kind: "flash", start: 0x08000000, size: 0x1000 },
    { name: "RAM", start: 0x20000001, size: 0x102 },
  ],
  peripherals: [{ name: "APB", start: 0x40000000, size: 0x1000 }],
  devices: { UART: 0x40000000 },
  roles: { uart: "UART" },
});

function shadowOf(board: Board): Shadow {
  const m = createMachine(board);
  return new Shadow(m.bus, m.core.filterState);
}

function code(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof MemcheckError) return e.code;
    throw e;
  }
}

describe("Shadow's ranges", () => {
  it("manages each writable bus segment (contiguous RAM regions merged) and lists the read-only regions", () => {
    const layout = (s: Shadow) => ({
      regions: s.regions.map((r) => [r.name, r.start, r.end, r.size, r.wordStart, r.words.length, r.bytes.length]),
      readOnly: s.readOnly.map((r) => r.name),
    });
    expect(layout(shadowOf(STM32F407))).toEqual({
      regions: [
        ["CCM", 0x10000000, 0x10010000, 0x10000, 0x10000000, 0x4000, 0x10000],
        ["SRAM1+SRAM2", 0x20000000, 0x20020000, 0x20000, 0x20000000, 0x8000, 0x20000],
        ["BackupSRAM", 0x40024000, 0x40025000, 0x1000, 0x40024000, 0x400, 0x1000],
      ],
      readOnly: ["Flash", "SystemMemory", "OTP", "DeviceSignature"],
    });
    expect(layout(shadowOf(MPS2_AN386)).regions[0]).toEqual(["SSRAM1", 0, 0x400000, 0x400000, 0, 0x100000, 0x400000]);
    expect(layout(shadowOf(MPS2_AN386)).readOnly).toEqual([]);
    // Words cover every managed byte: 0x20000000..0x20000103, 65 words (the last one partly).
    expect(layout(shadowOf(ODD))).toEqual({
      regions: [["RAM", 0x20000001, 0x20000103, 0x102, 0x20000000, 65, 0x102]],
      readOnly: ["Flash"],
    });
  });

  it("starts every managed byte at NO, whatever state the core's filter held before", () => {
    const m = createMachine(MPS2_AN386);
    new Shadow(m.bus, m.core.filterState).fill(0, 16, ANY);
    m.core.filterState.fill(0xff);
    const s = new Shadow(m.bus, m.core.filterState);
    expect(s.regions.map((r) => r.bytes.findIndex((v) => v !== 0))).toEqual([-1, -1, -1, -1]);
    expect(s.get(0)).toBe(0);
  });

  it("checks a range against one managed range: its first and last byte, address 0, a signed address, zero sizes", () => {
    const an386 = shadowOf(MPS2_AN386);
    const cases: [Shadow, number, number, string][] = [
      [an386, 0, 1, "ok"],
      [an386, 0, 0x400000, "ok"],
      [an386, 0, 0x400001, "RANGE_OUTSIDE_MANAGED"],
      [an386, 0x3fffff, 1, "ok"],
      [an386, 0x400000, 1, "RANGE_OUTSIDE_MANAGED"],
      [an386, -1, 1, "RANGE_OUTSIDE_MANAGED"],
      [an386, 0, 0, "RANGE_OUTSIDE_MANAGED"],
      [an386, 0, -1, "RANGE_OUTSIDE_MANAGED"],
      // SSRAM1's end to BlockRAM: two ranges, not one.
      [an386, 0x3ffff0, 0x20, "RANGE_OUTSIDE_MANAGED"],
      // STM32F407: across the seam of SRAM1 and SRAM2 (one range), and past SRAM2's end.
      [shadowOf(STM32F407), 0x2001bff0, 0x20, "ok"],
      [shadowOf(STM32F407), 0x2001fff0, 0x20, "RANGE_OUTSIDE_MANAGED"],
      // MPS2-AN505's PSRAM at 0x80000000, given as a register holds it (a negative int32).
      [shadowOf(MPS2_AN505), 0x80000000 | 0, 16, "ok"],
      [shadowOf(ODD), 0x20000000, 1, "RANGE_OUTSIDE_MANAGED"],
      [shadowOf(ODD), 0x20000001, 0x102, "ok"],
      [shadowOf(ODD), 0x20000103, 1, "RANGE_OUTSIDE_MANAGED"],
    ];
    expect(cases.map(([s, a, n]) => code(() => s.checkRange(a, n)))).toEqual(cases.map((c) => c[3]));
  });

  it("reads NO in managed memory until set, ANY|I in read-only memory, -1 elsewhere, at each range's edges", () => {
    const f407 = shadowOf(STM32F407);
    expect(
      [0x08000000, 0x080fffff, 0x08100000, 0x1fffffff, 0x20000000, 0x2001ffff, 0x20020000, 0x0fffffff, 0x10000000].map(
        (a) => f407.get(a),
      ),
    ).toEqual([ANY | StateBit.I, ANY | StateBit.I, -1, -1, 0, 0, -1, -1, 0]);
    const an386 = shadowOf(MPS2_AN386);
    an386.fill(0, 2, USR);
    an386.fill(0x3fffff, 1, ANY);
    // Alternating between ranges (the last one found is tried first).
    expect([0x20000000, 0, 1, 2, 0x3fffff, 0x400000, 0x1000000, 0x3ffffe].map((a) => an386.get(a))).toEqual([
      0,
      USR,
      USR,
      0,
      ANY,
      -1,
      0,
      0,
    ]);
    an386.clear();
    expect([0, 1, 0x3fffff].map((a) => an386.get(a))).toEqual([0, 0, 0]);
  });

  it("mismatch() compares every lane of each word it scans, and no byte past the range's end", () => {
    const s = shadowOf(MPS2_AN386);
    s.fill(0, 7, 0x77); // bytes 0..6; byte 7, the top lane of the second word, stays 0
    expect([s.mismatch(0, 7, 0xff, 0x77), s.mismatch(0, 8, 0xff, 0x77), s.mismatch(1, 8, 0xff, 0x77)]).toEqual([
      -1, 7, 7,
    ]);
    // A range ending before the next word boundary: byte 6 is past it.
    s.fill(6, 1, 0);
    expect([s.mismatch(5, 1, 0xff, 0x77), s.mismatch(5, 2, 0xff, 0x77)]).toEqual([-1, 6]);
    // A top-lane byte whose masked value differs from an expected 0.
    s.fill(0, 8, 0);
    s.fill(7, 1, 0x10);
    expect([s.mismatch(0, 8, 0xff, 0), s.mismatch(0, 8, 0x0f, 0)]).toEqual([7, -1]);
  });

  it("costs one host byte per managed byte, half a byte on the device", () => {
    const managed = 4 * 2 ** 20 + 16 * 2 ** 10 + 4 * 2 ** 20 + 16 * 2 ** 20;
    expect(shadowOf(MPS2_AN386).cost()).toEqual({
      managedBytes: managed,
      hostBytes: managed,
      deviceBitsPerByte: 4,
      deviceMetadataBytes: managed / 2,
      deviceUsableFraction: 2 / 3,
    });
  });
});

/** A window of managed bytes (inside one range) and the shadow holding it. */
const WINDOWS: [string, Board, number, number][] = [
  ["MPS2-AN386 from address 0", MPS2_AN386, 0, 48],
  ["MPS2-AN386 to SSRAM1's end", MPS2_AN386, 0x400000 - 48, 48],
  ["STM32F407 across SRAM1 | SRAM2", STM32F407, 0x2001c000 - 24, 48],
  ["a range starting and ending inside a word", ODD, 0x20000001, 0x102],
];

type Op =
  | { op: "fill"; at: number; len: number; s: number }
  | { op: "update"; at: number; len: number; and: number; or: number }
  | { op: "stack"; at: number; len: number; plain: boolean }
  | { op: "restore"; at: number; states: number[] };

describe.each(WINDOWS)("Shadow's per-byte operations: %s", (_name, board, start, size) => {
  it("set, update, find, compare and copy exactly the bytes of their range, as a byte-by-byte model does", () => {
    // States from a small set, so that runs of equal bytes (the word-at-a-time paths) are common.
    const state = fc.constantFrom(0, USR, ANY | StateBit.W | StateBit.I, 0xb7, StateBit.S | ANY, 0x10);
    const range = fc
      .tuple(fc.nat({ max: size - 1 }), fc.nat({ max: size }))
      .map(([o, n]) => ({ at: start + o, len: Math.max(1, Math.min(n, size - o)) }));
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ r: range, s: state }).map(({ r, s }) => ({ op: "fill" as const, ...r, s })),
      fc
        .record({ r: range, and: fc.constantFrom(0xff, ~StateBit.I & 0xff, 0x0f), or: state })
        .map(({ r, and, or }) => ({ op: "update" as const, ...r, and, or })),
      fc.record({ r: range, plain: fc.boolean() }).map(({ r, plain }) => ({ op: "stack" as const, ...r, plain })),
      fc
        .record({ o: fc.nat({ max: size - 1 }), states: fc.array(state, { minLength: 1, maxLength: 12 }) })
        .map(({ o, states }) => ({ op: "restore" as const, at: start + o, states: states.slice(0, size - o) })),
    );
    const s = shadowOf(board);
    const window = s.regionAt(start)!;
    const around = () => [s.get(start - 1), s.get(start + size)];
    const outside = around();
    const query = fc.record({ r: range, mask: fc.constantFrom(0xff, 0x77, StateBit.I, 0xf0), value: state });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), fc.array(query, { minLength: 1, maxLength: 6 }), (ops, queries) => {
        window.bytes.fill(0, start - window.start, start - window.start + size);
        const model = new Array<number>(size).fill(0);
        for (const o of ops) {
          const i = o.at - start;
          if (o.op === "fill") {
            s.fill(o.at, o.len, o.s);
            model.fill(o.s, i, i + o.len);
          } else if (o.op === "update") {
            s.update(o.at, o.len, o.and, o.or);
            for (let k = i; k < i + o.len; k++) model[k] = (model[k]! & o.and) | o.or;
          } else if (o.op === "stack") {
            s.setStackPlain(o.at, o.len, o.plain);
            for (let k = i; k < i + o.len; k++)
              if (model[k]! & StateBit.S) model[k] = o.plain ? model[k]! | StateBit.P : model[k]! & ~StateBit.P;
          } else {
            s.restore(o.at, new Uint8Array(o.states));
            o.states.forEach((v, k) => {
              model[i + k] = v;
            });
          }
        }
        // Every byte of the window, and the bytes around it (outside the range, or untouched).
        expect(Array.from({ length: size }, (_, k) => s.get(start + k))).toEqual(model);
        expect(around()).toEqual(outside);
        for (const { r, mask, value } of queries) {
          const i = r.at - start;
          const slice = model.slice(i, i + r.len);
          const first = (bad: (v: number) => boolean) => {
            const k = slice.findIndex(bad);
            return k < 0 ? -1 : r.at + k;
          };
          expect([...s.snapshot(r.at, r.len)]).toEqual(slice);
          expect(s.find(r.at, r.len, (v) => v === value)).toBe(first((v) => v === value));
          expect(s.mismatch(r.at, r.len, mask, value & mask)).toBe(first((v) => (v & mask) !== (value & mask)));
        }
      }),
      { numRuns: 200, seed: 0x5ad0 },
    );
  });
});
