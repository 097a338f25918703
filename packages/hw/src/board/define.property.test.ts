import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HwError } from "../errors.js";
import { hwErrorOf } from "../test-util.js";
import { defineBoard } from "./define.js";
import { boardFromJson, parseBoardJson } from "./json.js";
import { boardFromLinkerScript } from "./linker-board.js";
import type { Board, BoardSpec } from "./types.js";

// Untrusted structured data: whatever object a caller or a JSON file gives, defineBoard and
// boardFromJson return a board that defineBoard accepts unchanged, or throw an HwError with a
// code of the hw README's board error table and a context naming the field. The only other
// exception is the caller's own: the error a getter or a proxy trap of the value throws.

const CODES = ["BOARD_INVALID", "BOARD_FIELD", "BOARD_OVERLAP", "BOARD_UNKNOWN_CORE", "BOARD_JSON"];

/** What the hostile getters and proxy traps throw: it may pass through, nothing else may. */
class CallerError extends Error {}

/** Numbers at every edge: NaN, infinities, -0, 2^32 and past, fractions, negatives. */
const NUMBER = fc.oneof(
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0, 1, 0xffffffff, 0x1_0000_0000, 2 ** 53, -1, 0.5, 0xe0000000),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.double(),
);
const STRINGY = fc.oneof(
  fc.constantFrom("", "0x20000000", "128K", "1M", "0x100000000", "4096M", "-1", "1e3", " 0x10 ", "__proto__"),
  fc.string({ maxLength: 8 }),
);
/** Any value, weighted to the edges: wrong types for every field. */
const WRONG = fc.oneof(NUMBER, STRINGY, fc.constantFrom(null, undefined, true, false, [], {}), fc.anything());

/** Mostly the valid values, sometimes a wrong one: every field wrong on its own, the others right. */
const mostly = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight: 20 }, { arbitrary: WRONG, weight: 1 });
/** Which hostile wrapping (see hostile), mostly none. */
const HOSTILE = fc.oneof({ arbitrary: fc.constant(-1), weight: 12 }, fc.nat({ max: 4 }));

/** Wraps a value in something hostile: a throwing getter, a throwing proxy, a frozen object, a sparse array. */
function hostile(kind: number, value: unknown): unknown {
  switch (kind) {
    case 0: // a getter that throws, among the value's own fields
      return typeof value === "object" && value !== null
        ? Object.defineProperty({ ...(value as object) }, "name", {
            enumerable: true,
            get() {
              throw new CallerError("getter");
            },
          })
        : value;
    case 1: // a proxy whose traps throw
      return typeof value === "object" && value !== null
        ? new Proxy(value, {
            get() {
              throw new CallerError("proxy get");
            },
            ownKeys() {
              throw new CallerError("proxy ownKeys");
            },
          })
        : value;
    case 2: // a proxy that answers like the value (transparent)
      return typeof value === "object" && value !== null ? new Proxy(value, {}) : value;
    case 3:
      return typeof value === "object" && value !== null ? Object.freeze(value) : value;
    case 4: {
      // a sparse array: holes before and between the elements
      if (!Array.isArray(value)) return value;
      const sparse: unknown[] = [];
      sparse.length = value.length * 2 + 1;
      value.forEach((v, i) => {
        sparse[i * 2 + 1] = v;
      });
      return sparse;
    }
    default:
      return value;
  }
}

/** Three regions that fit together; each field of each may be replaced by a wrong value. */
const TEMPLATES = [
  { name: "FLASH", start: 0x08000000, size: "64K", kind: "flash" },
  { name: "CCM", start: 0x10000000, size: 0x10000, executable: false, dmaReachable: false },
  { name: "RAM", start: 0x20000000, size: 0x20000, waitStates: 1, readOnly: false },
];
const REGIONS = fc
  .shuffledSubarray(TEMPLATES, { minLength: 1 })
  .chain((list) =>
    fc.tuple(
      ...list.map((r) =>
        fc
          .tuple(fc.record(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, mostly(fc.constant(v))]))), HOSTILE)
          .map(([rec, k]) => hostile(k, rec)),
      ),
    ),
  );
const LIST = <T>(item: fc.Arbitrary<T>) =>
  fc.tuple(fc.array(item, { maxLength: 3 }), HOSTILE).map(([l, k]) => hostile(k, l));

const SPEC = fc
  .record(
    {
      name: mostly(fc.constantFrom("fuzz", "b")),
      aliases: mostly(LIST(mostly(fc.constantFrom("a", "b")))),
      description: mostly(fc.string()),
      core: mostly(fc.constantFrom("cortex-m4", "cortex-m0plus", "cortex-m33", "cortex-m3", "CORTEX-M7")),
      mpuRegions: mostly(fc.constantFrom(8, 16)),
      clockHz: mostly(fc.constantFrom(16_000_000, 1)),
      memory: mostly(fc.tuple(REGIONS, HOSTILE).map(([l, k]) => hostile(k, l))),
      peripherals: mostly(
        LIST(
          fc.record({
            name: mostly(fc.constantFrom("APB1", "AHB")),
            start: mostly(fc.constantFrom(0x40000000, 0x40010000, "0x40000000")),
            size: mostly(fc.constantFrom(0x400, 0x10000, "1K")),
          }),
        ),
      ),
      devices: mostly(
        fc.dictionary(
          fc.constantFrom("UART", "__proto__", "constructor", "toString", ""),
          mostly(fc.constantFrom(0x40000000, 0x40004400, "0x40000000")),
        ),
      ),
      roles: mostly(fc.constantFrom({}, { uart: "UART" }, { uart: "__proto__" }, { gpio: "toString" })),
      bitBand: mostly(fc.boolean()),
      contents: mostly(
        LIST(
          fc.record({
            name: mostly(fc.constantFrom("UID", "SIZE")),
            address: mostly(fc.constantFrom(0x08000000, 0x08000010, "0x08000000")),
            bytes: mostly(LIST(mostly(fc.nat({ max: 255 })))),
          }),
        ),
      ),
    },
    { requiredKeys: ["name", "core", "memory"] },
  )
  .chain((spec) =>
    fc
      .tuple(
        HOSTILE,
        fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, fc.constantFrom("szie", "__proto__", "$schema")),
        WRONG,
      )
      .map(([k, extra, value]) => {
        if (extra !== null) Object.defineProperty(spec, extra, { value, enumerable: true, writable: true });
        return hostile(k, spec);
      }),
  );

/** How many of the cases were boards (the generators reach the end of the checks, not only errors). */
let built = 0;

/** The property: a board defineBoard accepts unchanged, or a documented HwError, or the caller's own error. */
function check(make: () => Board): void {
  let board: Board;
  try {
    board = make();
  } catch (e) {
    if (e instanceof CallerError) return;
    if (!(e instanceof HwError)) throw e;
    expect(CODES).toContain(e.code);
    if (e.code === "BOARD_FIELD" || e.code === "BOARD_OVERLAP" || e.code === "BOARD_UNKNOWN_CORE") {
      expect(typeof (e.context as { field?: unknown }).field).toBe("string");
    }
    return;
  }
  built++;
  expect(defineBoard(board as unknown as BoardSpec & { core: "cortex-m4" })).toEqual(board);
  expect(Object.isFrozen(board)).toBe(true);
  for (const m of board.memory) expect(typeof m).toBe("object");
  for (const p of board.peripherals) expect(typeof p).toBe("object");
  for (const a of board.aliases) expect(typeof a).toBe("string");
}

describe("defineBoard and boardFromJson under fuzzing", () => {
  it("fc.anything(): a documented HwError (or a board)", () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), (v) => {
        check(() => defineBoard(v as BoardSpec & { core: "cortex-m4" }));
        check(() => boardFromJson(v));
      }),
      { numRuns: 300, seed: 0xf022009 },
    );
  });

  it("the real fields with wrong types, throwing getters, proxies, frozen and sparse values", () => {
    built = 0;
    fc.assert(
      fc.property(SPEC, (spec) => {
        check(() => defineBoard(spec as BoardSpec & { core: "cortex-m4" }));
        check(() => boardFromJson(spec));
      }),
      { numRuns: 500, seed: 0xf022010 },
    );
    expect(built).toBeGreaterThan(5);
  });

  it("JSON text: any string, and the JSON of random specs, is a board or a documented HwError", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          SPEC.map((s) => {
            try {
              return JSON.stringify(s) ?? "";
            } catch {
              return "{}";
            }
          }),
        ),
        (text) => check(() => parseBoardJson(text)),
      ),
      { numRuns: 300, seed: 0xf022011 },
    );
  });
});

describe("defineBoard and boardFromJson: what the fuzzing found", () => {
  const RAM = { name: "RAM", start: 0x20000000, size: 0x1000 };
  const sparse = (value: unknown): unknown[] => {
    const list: unknown[] = [];
    list[1] = value;
    return list;
  };

  it("a hole in memory or peripherals is BOARD_FIELD at its index, not a TypeError", () => {
    for (const make of [defineBoard, boardFromJson] as ((v: unknown) => Board)[]) {
      const e = hwErrorOf(() => make({ name: "b", core: "cortex-m4", memory: sparse(RAM) }));
      expect([e.code, e.message, e.context]).toEqual([
        "BOARD_FIELD",
        'BOARD_FIELD: board "b": memory[0] must be an object',
        { board: "b", field: "memory[0]", value: undefined },
      ]);
      const p = hwErrorOf(() =>
        make({
          name: "b",
          core: "cortex-m4",
          memory: [RAM],
          peripherals: sparse({ name: "P", start: 0x40000000, size: 4 }),
        }),
      );
      expect([p.code, p.context]).toEqual(["BOARD_FIELD", { board: "b", field: "peripherals[0]", value: undefined }]);
    }
  });

  it("a hole in aliases is BOARD_FIELD, not an undefined alias on the board", () => {
    const e = hwErrorOf(() =>
      defineBoard({ name: "b", core: "cortex-m4", memory: [RAM], aliases: sparse("x") as string[] }),
    );
    expect(e.message).toBe(
      'BOARD_FIELD: board "b": aliases must be an array of non-empty strings (aliases[0] is undefined)',
    );
    expect(e.context).toEqual({ board: "b", field: "aliases", value: undefined });
  });

  it("an empty JSON list of length 2^32 - 1 is refused at its first hole, without walking it", () => {
    const huge: unknown[] = [];
    huge.length = 0xffffffff;
    const e = hwErrorOf(() => boardFromJson({ name: "b", core: "cortex-m4", memory: [RAM], peripherals: huge }));
    expect(e.context).toEqual({ board: "b", field: "peripherals[0]", value: undefined });
    const c = hwErrorOf(() =>
      boardFromJson({ name: "b", core: "cortex-m4", memory: [{ ...RAM, kind: "flash" }], contents: huge }),
    );
    expect(c.context).toEqual({ board: "b", field: "contents[0]", value: undefined });
  });

  it('a device named "__proto__" in JSON is a device (it was silently dropped)', () => {
    const board = parseBoardJson(
      '{"name":"b","core":"cortex-m4","memory":[{"name":"RAM","start":0,"size":4}],"devices":{"__proto__":"0x40000000"},"roles":{"uart":"__proto__"}}',
    );
    expect(Object.hasOwn(board.devices, "__proto__")).toBe(true);
    expect(Object.entries(board.devices)).toEqual([["__proto__", 0x40000000]]);
    expect(board.roles).toEqual({ uart: "__proto__" });
  });

  it("a bigint, a cycle or an object without a prototype in a field is BOARD_FIELD, not a TypeError of its message", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const [value, text] of [
      [10n, "10n"],
      [cyclic, "an object"],
      [Object.create(null), "an object"],
    ] as const) {
      const e = hwErrorOf(() =>
        defineBoard({ name: "b", core: "cortex-m4", memory: [{ ...RAM, start: value as number }] }),
      );
      expect(e.message).toBe(`BOARD_FIELD: board "b": memory[0].start must be an integer in [0, 2^32), got ${text}`);
      expect(e.context).toEqual({ board: "b", field: "memory[0].start", value });
      const core = hwErrorOf(() => defineBoard({ name: "b", core: value as unknown as "cortex-m4", memory: [RAM] }));
      expect(core.code).toBe("BOARD_UNKNOWN_CORE");
      const role = hwErrorOf(() =>
        defineBoard({ name: "b", core: "cortex-m4", memory: [RAM], roles: { uart: value as string } }),
      );
      expect(role.context).toMatchObject({ field: "roles.uart", value });
    }
    const linker = hwErrorOf(() =>
      boardFromLinkerScript("MEMORY { A : o = 0, l = 4 }", { name: Object.create(null) as string }),
    );
    expect(linker.message).toBe('BOARD_FIELD: board "an object": core is missing (give core or base)');
  });

  it("-0 as an address is 0 on the board", () => {
    const board = defineBoard({ name: "b", core: "cortex-m4", memory: [{ ...RAM, start: -0 }], devices: { U: -0 } });
    expect(Object.is(board.memory[0]?.start, 0)).toBe(true);
    expect(Object.is(board.devices.U, 0)).toBe(true);
  });
});
