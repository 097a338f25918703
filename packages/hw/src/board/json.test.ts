import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMachine } from "../machine.js";
import { hwErrorOf as errOf } from "../test-util.js";
import { STM32F407 } from "./builtin/stm32f407.js";
import { defineBoard } from "./define.js";
import { boardFromJson, parseBoardJson } from "./json.js";

const F407_JSON = `{
  "name": "f407-json",
  "core": "Cortex-M4",
  "clockHz": 168000000,
  "memory": [
    { "name": "Flash", "kind": "flash", "start": "0x08000000", "size": "1M", "waitStates": 5 },
    { "name": "CCM", "start": "0x10000000", "size": "64K", "executable": false, "dmaReachable": false },
    { "name": "SystemMemory", "kind": "rom", "start": "0x1FFF0000", "size": "30K", "waitStates": 5 },
    { "name": "OTP", "kind": "otp", "start": "0x1fff7800", "size": 528, "waitStates": 5 },
    { "name": "DeviceSignature", "kind": "rom", "start": "0x1FFF7A10", "size": "0x18", "waitStates": 5 },
    { "name": "SRAM1", "start": 536870912, "size": "112K" },
    { "name": "SRAM2", "start": "0x2001C000", "size": "16k" },
    { "name": "BackupSRAM", "start": "0x40024000", "size": "0x1000" }
  ],
  "peripherals": [
    { "name": "APB1", "start": "0x40000000", "size": "0x8000" },
    { "name": "APB2", "start": "0x40010000", "size": "0x6C00" },
    { "name": "AHB1", "start": "0x40020000", "size": "0x60000" },
    { "name": "AHB2", "start": "0x50000000", "size": "0x70000" }
  ],
  "devices": { "USART2": "0x40004400", "RCC": 1073887232 },
  "roles": { "uart": "USART2" }
}`;

/** A JSON board text with one memory entry replaced. */
function withRegion(entry: string): string {
  return `{"name": "b", "core": "cortex-m4", "memory": [
  {"name": "RAM", "start": "0x20000000", "size": "64K"},
  ${entry}
]}`;
}

describe("parseBoardJson", () => {
  it("a role naming no device is BOARD_FIELD naming roles.<role>", () => {
    const text = `{"name": "b", "core": "cortex-m4", "memory": [{"name": "R", "start": 0, "size": 32}],
      "devices": {"USART1": "0x40013800"}, "roles": {"uart": "USART2"}}`;
    const e = errOf(() => parseBoardJson(text));
    expect([e.code, e.context.field]).toEqual(["BOARD_FIELD", "roles.uart"]);
  });

  it("reads the STM32F407 memory map written in JSON with hex strings and K/M suffixes", () => {
    const b = parseBoardJson(F407_JSON);
    expect(b.memory).toEqual(STM32F407.memory);
    expect(b.peripherals).toEqual(STM32F407.peripherals);
    expect(b.core).toBe("cortex-m4");
    expect(b.devices).toEqual({ USART2: 0x40004400, RCC: 0x40023800 });
    expect(b.roles).toEqual({ uart: "USART2" });
    const m = createMachine(b);
    m.core.write32(0x2001bffe, 0x01020304);
    expect(m.core.read32(0x2001bffe)).toBe(0x01020304);
  });

  it("reports malformed JSON with line and column", () => {
    const e = errOf(() => parseBoardJson('{\n  "name": "x",\n  "core": "cortex-m4",,\n}'));
    expect(e.code).toBe("BOARD_JSON");
    expect(e.context).toEqual({ offset: 39, line: 3, column: 23 });
    expect(e.message).toBe(
      'BOARD_JSON: malformed JSON at line 3, column 23: expected a property name in double quotes, found ","',
    );
  });

  it.each([
    ["", 1, 1, /expected a value, found end of input/],
    ['{"a": 1', 1, 8, /expected ',' or '}'/],
    ['{"a": 1} x', 1, 10, /unexpected "x" after the JSON value/],
    ["{'a': 1}", 1, 2, /double quotes/],
    ['{"a": 01}', 1, 8, /expected ',' or '}'/],
    ['{"a": "x\ny"}', 1, 9, /control character/],
    ['{"a": "\\q"}', 1, 8, /bad escape/],
    ['{"a": "open', 1, 7, /unterminated string/],
    ["[1, 2,\n ]", 2, 2, /expected a value/],
    ['{"a": tru}', 1, 7, /expected a value/],
    ['{"name": "x",\n "name": "y"}', 2, 2, /duplicate key "name"/],
  ])("BOARD_JSON for %j at %i:%i", (text, line, column, message) => {
    const e = errOf(() => parseBoardJson(text));
    expect(e.code).toBe("BOARD_JSON");
    expect([e.context.line, e.context.column]).toEqual([line, column]);
    expect(e.message).toMatch(message);
  });

  it("reads escapes, negative and exponent numbers, nested values", () => {
    const e = errOf(() =>
      parseBoardJson('{"name": "a\\u0062\\n", "core": "cortex-m4", "clockHz": -1e3, "memory": []}'),
    );
    expect(e.code).toBe("BOARD_FIELD");
    expect(e.context).toMatchObject({ board: "ab\n", field: "clockHz", value: -1000 });
  });

  it("keeps a __proto__ key as an ordinary (unknown) field", () => {
    const e = errOf(() => parseBoardJson('{"name": "p", "__proto__": {"core": "cortex-m4"}, "memory": []}'));
    expect([e.code, e.context.field]).toEqual(["BOARD_FIELD", "__proto__"]);
  });

  it.each([
    ['{"name": "r", "start": "0x20010000", "size": "lots"}', "memory[1].size", /"lots" is not a number/],
    ['{"name": "r", "start": "0x20010000", "size": "12 KB"}', "memory[1].size", /not a number/],
    ['{"name": "r", "start": "0x20010000", "size": "010"}', "memory[1].size", /leading zero/],
    ['{"name": "r", "start": "0x2001000G", "size": 32}', "memory[1].start", /not a number/],
    ['{"name": "r", "start": true, "size": 32}', "memory[1].start", /integer/],
    ['{"name": "r", "start": "0x20010000", "size": 1.5}', "memory[1].size", /integer/],
    ['{"name": "r", "start": "0x20010000", "size": null}', "memory[1].size", /integer/],
    ['{"name": "r", "start": "0x20010000"}', "memory[1].size", /is missing/],
    ['{"name": "r", "size": "1K"}', "memory[1].start", /is missing/],
    ['{"start": "0x20010000", "size": "1K"}', "memory[1].name", /is missing/],
    ['{"name": "r", "start": "0xFFFFFFFF", "size": "1M"}', "memory[1].start", /system range/],
    ['{"name": "r", "start": "0x100000000", "size": 32}', "memory[1].start", /integer/],
    ['{"name": "r", "start": "0x20010000", "szie": "1K", "size": 32}', "memory[1].szie", /unknown field/],
    ['{"name": "RAM", "start": "0x20010000", "size": 32}', "memory[1].name", /duplicates/],
  ])("BOARD_FIELD for region %s naming %s", (entry, field, message) => {
    const e = errOf(() => parseBoardJson(withRegion(entry)));
    expect(e.code).toBe("BOARD_FIELD");
    expect(e.context.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it("BOARD_OVERLAP for overlapping regions, naming both", () => {
    const e = errOf(() => parseBoardJson(withRegion('{"name": "RAM2", "start": "0x2000FFE0", "size": "1K"}')));
    expect(e.code).toBe("BOARD_OVERLAP");
    expect(e.context).toEqual({ board: "b", field: "memory[1]", first: "RAM", second: "RAM2" });
  });

  it("BOARD_UNKNOWN_CORE names the core field", () => {
    const e = errOf(() => parseBoardJson('{"name": "b", "core": "cortex-a53", "memory": []}'));
    expect(e.code).toBe("BOARD_UNKNOWN_CORE");
    expect(e.context).toEqual({ board: "b", field: "core", value: "cortex-a53" });
  });

  it("refuses unknown top-level fields and bad device addresses", () => {
    const top = errOf(() => parseBoardJson('{"name": "b", "core": "cortex-m4", "cpu": "x", "memory": []}'));
    expect([top.code, top.context.field]).toEqual(["BOARD_FIELD", "cpu"]);
    const dev = errOf(() =>
      parseBoardJson(
        '{"name": "b", "core": "cortex-m4", "memory": [{"name": "R", "start": 0, "size": 32}], "devices": {"UART": "here"}}',
      ),
    );
    expect([dev.code, dev.context.field]).toEqual(["BOARD_FIELD", "devices.UART"]);
    const per = errOf(() =>
      parseBoardJson(
        '{"name": "b", "core": "cortex-m4", "memory": [{"name": "R", "start": 0, "size": 32}], "peripherals": [{"name": "P", "start": "0x40000000", "size": "big"}]}',
      ),
    );
    expect([per.code, per.context.field]).toEqual(["BOARD_FIELD", "peripherals[0].size"]);
    const reach = errOf(() =>
      parseBoardJson(
        '{"name": "b", "core": "cortex-m4", "memory": [{"name": "R", "start": 0, "size": 32}], "peripherals": [{"name": "P", "start": "0x40000000", "size": 16, "dmaReachable": "no"}]}',
      ),
    );
    expect([reach.code, reach.context.field]).toEqual(["BOARD_FIELD", "peripherals[0].dmaReachable"]);
    const io = parseBoardJson(
      '{"name": "b", "core": "cortex-m4", "memory": [{"name": "R", "start": 0, "size": 32}], "peripherals": [{"name": "IO", "start": "0x40000000", "size": 16, "dmaReachable": false}]}',
    );
    expect(io.peripherals).toEqual([{ name: "IO", start: 0x40000000, size: 16, dmaReachable: false }]);
  });

  it("BOARD_INVALID for a JSON value that is not an object", () => {
    expect(errOf(() => parseBoardJson("[1, 2]")).code).toBe("BOARD_INVALID");
    expect(errOf(() => parseBoardJson('"board"')).code).toBe("BOARD_INVALID");
    expect(errOf(() => boardFromJson(null)).code).toBe("BOARD_INVALID");
  });

  it("boardFromJson takes an already parsed value", () => {
    const b = boardFromJson({
      name: "bluepill",
      core: "cortex-m3",
      memory: [
        { name: "FLASH", kind: "flash", start: "0x08000000", size: "64K" },
        { name: "RAM", start: "0x20000000", size: "20K" },
      ],
    });
    expect(b.memory.map((r) => [r.name, r.start, r.end])).toEqual([
      ["FLASH", 0x08000000, 0x08010000],
      ["RAM", 0x20000000, 0x20005000],
    ]);
    expect(b.mpuRegions).toBe(8);
  });
});

describe("parseBoardJson property", () => {
  it("a board written as JSON (numbers, hex or K strings) reads back as defineBoard builds it", () => {
    const region = fc.record({
      slot: fc.integer({ min: 0, max: 200 }),
      kib: fc.integer({ min: 1, max: 1024 }),
      kind: fc.constantFrom("ram", "flash", "rom", "otp"),
      executable: fc.boolean(),
      dmaReachable: fc.boolean(),
      waitStates: fc.integer({ min: 0, max: 15 }),
      style: fc.constantFrom("number", "hex", "k"),
    });
    fc.assert(
      fc.property(fc.uniqueArray(region, { selector: (r) => r.slot, minLength: 1, maxLength: 6 }), (regions) => {
        const spec = {
          name: "prop",
          core: "cortex-m7" as const,
          memory: regions.map((r, i) => ({
            name: `R${i}`,
            start: r.slot * 0x100000,
            size: r.kib * 1024,
            kind: r.kind,
            executable: r.executable,
            dmaReachable: r.dmaReachable,
            waitStates: r.waitStates,
          })),
        };
        const write = (n: number, style: string) =>
          style === "number" ? n : style === "hex" ? `0x${n.toString(16)}` : `${n / 1024}K`;
        const json = JSON.stringify({
          ...spec,
          memory: spec.memory.map((m, i) => ({
            ...m,
            start: write(m.start, regions[i]!.style === "k" ? "hex" : regions[i]!.style),
            size: write(m.size, regions[i]!.style),
          })),
        });
        expect(parseBoardJson(json)).toEqual(defineBoard(spec));
      }),
      { seed: 5, numRuns: 200 },
    );
  });
});
