import { describe, expect, it } from "vitest";
import { createMachine } from "../machine.js";
import { hwErrorOf as errOf } from "../test-util.js";
import { CORE_KINDS, defineBoard, isCoreKind, MAX_BOARD_MEMORY, MAX_BOARD_REGIONS } from "./define.js";
import type { BoardSpec } from "./types.js";

const base: BoardSpec = {
  name: "mini",
  core: "cortex-m4",
  memory: [
    { name: "FLASH", kind: "flash", start: 0x08000000, size: 256 * 1024 },
    { name: "RAM", start: 0x20000000, size: 64 * 1024 },
  ],
};

/** `base` with one field replaced (typed loosely: these are bad inputs on purpose). */
function withField(field: string, value: unknown): BoardSpec {
  return { ...base, [field]: value } as unknown as BoardSpec;
}

function withRegion(i: number, patch: Record<string, unknown>): BoardSpec {
  const memory = base.memory.map((r, j) => (j === i ? { ...r, ...patch } : r));
  return { ...base, memory } as unknown as BoardSpec;
}

describe("defineBoard", () => {
  it("fills defaults and sorts regions by address", () => {
    const b = defineBoard({ ...base, memory: [...base.memory].reverse() });
    expect(b.memory.map((r) => r.name)).toEqual(["FLASH", "RAM"]);
    expect(b.memory[0]).toEqual({
      name: "FLASH",
      start: 0x08000000,
      size: 0x40000,
      end: 0x08040000,
      kind: "flash",
      readOnly: true,
      executable: true,
      waitStates: 0,
      dmaReachable: true,
    });
    expect(b.memory[1]!.readOnly).toBe(false);
    expect(b.mpuRegions).toBe(8);
    expect(b.clockHz).toBe(16_000_000);
    expect(b.description).toBe("mini");
    expect(b.aliases).toEqual([]);
    expect(b.peripherals).toEqual([]);
    expect(b.devices).toEqual({});
    expect(b.roles).toEqual({});
  });

  it("keeps device roles that name the board's devices", () => {
    const b = defineBoard({
      ...base,
      devices: { USART1: 0x40013800, GPIOC: 0x40011000 },
      roles: { uart: "USART1", gpio: "GPIOC", "led-1": "GPIOC" },
    });
    expect(b.roles).toEqual({ uart: "USART1", gpio: "GPIOC", "led-1": "GPIOC" });
    expect(Object.isFrozen(b.roles)).toBe(true);
  });

  it.each([
    [{ uart: "USART9" }, "roles.uart", /must name one of the board's devices \(USART1\), got "USART9"/],
    [{ uart: 0x40013800 }, "roles.uart", /must name one of the board's devices/],
    [{ UART: "USART1" }, "roles.UART", /lowercase name/],
    [{ "": "USART1" }, "roles.", /lowercase name/],
    [{ toString: "USART1" }, "roles.toString", /lowercase name/],
    [{ uart: "toString" }, "roles.uart", /must name one of the board's devices/],
  ])("roles %j is BOARD_FIELD naming %s", (roles, field, message) => {
    const e = errOf(() => defineBoard({ ...base, devices: { USART1: 0x40013800 }, roles } as unknown as BoardSpec));
    expect(e.code).toBe("BOARD_FIELD");
    expect(e.context.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it("roles without devices: the message says none are declared", () => {
    const e = errOf(() => defineBoard({ ...base, roles: { uart: "USART2" } }));
    expect(e.message).toMatch(/none declared/);
  });

  it("takes 16 MPU regions by default on Cortex-M7 and 8 on M3/M4", () => {
    expect(defineBoard(withField("core", "cortex-m7")).mpuRegions).toBe(16);
    expect(defineBoard(withField("core", "cortex-m3")).mpuRegions).toBe(8);
    expect(defineBoard(withField("core", "cortex-m33")).mpuRegions).toBe(8);
    expect(defineBoard(withField("core", "cortex-m0plus")).mpuRegions).toBe(8);
    expect(CORE_KINDS).toEqual(["cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"]);
    expect(isCoreKind("cortex-m4")).toBe(true);
    expect(isCoreKind("toString")).toBe(false);
  });

  it("allows a memory region inside a peripheral range (memory decodes first)", () => {
    const b = defineBoard({
      ...base,
      memory: [...base.memory, { name: "BKP", start: 0x40024000, size: 4096 }],
      peripherals: [{ name: "AHB1", start: 0x40020000, size: 0x60000 }],
    });
    const m = createMachine(b);
    m.core.write32(0x40024000, 5);
    expect(m.core.read32(0x40024000)).toBe(5);
  });

  it("a custom board runs: reads, writes, read-only flash", () => {
    const m = createMachine(defineBoard(base));
    m.core.write32(0x2000fffc, 0x11223344);
    expect(m.core.read32(0x2000fffc)).toBe(0x11223344);
    expect(() => m.core.write32(0x08000000, 1)).toThrow(/BusFault PRECISERR\|BFARVALID at 0x08000000/);
  });

  it.each([
    ["core", "cortex-m85", "BOARD_UNKNOWN_CORE", "core"],
    ["core", "toString", "BOARD_UNKNOWN_CORE", "core"],
    ["core", 4, "BOARD_UNKNOWN_CORE", "core"],
    ["core", undefined, "BOARD_FIELD", "core"],
    ["name", "", "BOARD_FIELD", "name"],
    ["name", undefined, "BOARD_FIELD", "name"],
    ["mpuRegions", 12, "BOARD_FIELD", "mpuRegions"],
    ["clockHz", -1, "BOARD_FIELD", "clockHz"],
    ["clockHz", "fast", "BOARD_FIELD", "clockHz"],
    ["clockHz", 168e6 + 0.5, "BOARD_FIELD", "clockHz"],
    ["clockHz", 1e300, "BOARD_FIELD", "clockHz"],
    ["clockHz", 2 ** 32, "BOARD_FIELD", "clockHz"],
    ["description", 5, "BOARD_FIELD", "description"],
    ["aliases", "f4", "BOARD_FIELD", "aliases"],
    ["aliases", [""], "BOARD_FIELD", "aliases"],
    ["memory", undefined, "BOARD_FIELD", "memory"],
    ["memory", [], "BOARD_FIELD", "memory"],
    ["peripherals", {}, "BOARD_FIELD", "peripherals"],
    ["devices", 3, "BOARD_FIELD", "devices"],
    ["devices", { UART: -4 }, "BOARD_FIELD", "devices.UART"],
    ["roles", "uart", "BOARD_FIELD", "roles"],
    ["roles", ["uart"], "BOARD_FIELD", "roles"],
  ])("%s = %j is %s naming %s", (field, value, code, named) => {
    const e = errOf(() => defineBoard(withField(field, value)));
    expect(e.code).toBe(code);
    expect(e.context.field).toBe(named);
  });

  it.each([
    [{ start: undefined }, "memory[1].start", /is missing/],
    [{ size: undefined }, "memory[1].size", /is missing/],
    [{ size: 0 }, "memory[1].size", /must be > 0/],
    [{ size: 1.5 }, "memory[1].size", /integer/],
    [{ size: "64K" }, "memory[1].size", /integer/],
    [{ start: -32 }, "memory[1].start", /integer/],
    [{ start: 2 ** 32 }, "memory[1].start", /integer/],
    [{ start: 0xe0000000 }, "memory[1].start", /system range/],
    [{ start: 0xdffff000, size: 0x2000 }, "memory[1].size", /system range/],
    [{ kind: "eeprom" }, "memory[1].kind", /ram, flash, rom, otp/],
    [{ waitStates: 16 }, "memory[1].waitStates", /0\.\.15/],
    [{ readOnly: "yes" }, "memory[1].readOnly", /boolean/],
    [{ executable: 1 }, "memory[1].executable", /boolean/],
    [{ dmaReachable: "no" }, "memory[1].dmaReachable", /boolean/],
    [{ name: "FLASH" }, "memory[1].name", /duplicates memory region name "FLASH"/],
    [{ name: 7 }, "memory[1].name", /non-empty string/],
  ])("memory region %j is BOARD_FIELD naming %s", (patch, field, message) => {
    const e = errOf(() => defineBoard(withRegion(1, patch)));
    expect(e.code).toBe("BOARD_FIELD");
    expect(e.context.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it("refuses a region that is not an object, and a non-object description", () => {
    const e = errOf(() => defineBoard({ ...base, memory: [base.memory[0]!, null] } as unknown as BoardSpec));
    expect([e.code, e.context.field]).toEqual(["BOARD_FIELD", "memory[1]"]);
    expect(errOf(() => defineBoard(null as unknown as BoardSpec)).code).toBe("BOARD_INVALID");
  });

  it("refuses overlapping memory regions, naming both and the later field", () => {
    const e = errOf(() =>
      defineBoard({
        ...base,
        memory: [...base.memory, { name: "RAM2", start: 0x2000f000, size: 0x2000 }],
      }),
    );
    expect(e.code).toBe("BOARD_OVERLAP");
    expect(e.context).toEqual({ board: "mini", field: "memory[2]", first: "RAM", second: "RAM2" });
    expect(e.message).toBe(
      'BOARD_OVERLAP: board "mini": memory region "RAM" [0x20000000, 0x20010000) overlaps "RAM2" [0x2000f000, 0x20011000)',
    );
  });

  it("accepts touching regions (end == next start)", () => {
    const b = defineBoard({ ...base, memory: [...base.memory, { name: "RAM2", start: 0x20010000, size: 0x100 }] });
    expect(b.memory).toHaveLength(3);
  });

  it("refuses overlapping and duplicate peripheral ranges", () => {
    const p = { name: "APB1", start: 0x40000000, size: 0x8000 };
    const overlap = errOf(() =>
      defineBoard({ ...base, peripherals: [p, { name: "APB2", start: 0x40007000, size: 0x1000 }] }),
    );
    expect([overlap.code, overlap.context.field]).toEqual(["BOARD_OVERLAP", "peripherals[1]"]);
    const dup = errOf(() => defineBoard({ ...base, peripherals: [p, { ...p, start: 0x40010000 }] }));
    expect([dup.code, dup.context.field]).toEqual(["BOARD_FIELD", "peripherals[1].name"]);
    const high = errOf(() => defineBoard({ ...base, peripherals: [{ ...p, start: 0xe0000000 }] }));
    expect([high.code, high.context.field]).toEqual(["BOARD_FIELD", "peripherals[0].size"]);
  });

  it("refuses more than MAX_BOARD_MEMORY bytes in all", () => {
    const e = errOf(() =>
      defineBoard({
        ...base,
        memory: [
          { name: "A", start: 0x00000000, size: MAX_BOARD_MEMORY },
          { name: "B", start: 0x60000000, size: 32 },
        ],
      }),
    );
    expect([e.code, e.context.field]).toEqual(["BOARD_FIELD", "memory"]);
  });

  it("refuses more than MAX_BOARD_REGIONS regions", () => {
    const memory = Array.from({ length: MAX_BOARD_REGIONS + 1 }, (_, i) => ({
      name: `R${i}`,
      start: i * 64,
      size: 32,
    }));
    const e = errOf(() => defineBoard({ ...base, memory }));
    expect([e.code, e.context.field]).toEqual(["BOARD_FIELD", "memory"]);
    expect(defineBoard({ ...base, memory: memory.slice(0, MAX_BOARD_REGIONS) }).memory).toHaveLength(254);
  });
});
