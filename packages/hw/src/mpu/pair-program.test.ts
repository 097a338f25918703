import { describe, expect, it } from "vitest";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import type { MpuChange } from "../events.js";
import { createMachine } from "../machine.js";

/** A whole configuration (8 regions of a Cortex-M4), pair n with VALID and REGION = n. */
function whole(base: number): number[] {
  const words: number[] = [];
  for (let n = 0; n < 8; n++) words.push((base + n * 0x400) | 0x10 | n, n < 6 ? 0x03020013 : 0);
  return words;
}

describe("Mpu.programPairs / loadProgram", () => {
  it("accepts only a pair for every region in order", () => {
    const m = createMachine(STM32F407);
    expect(m.mpu.programPairs(whole(0x20000000))).not.toBeNull();
    expect(m.mpu.programPairs(whole(0x20000000).slice(0, 8))).toBeNull();
    const swapped = whole(0x20000000);
    [swapped[0], swapped[2]] = [swapped[2]!, swapped[0]!];
    expect(m.mpu.programPairs(swapped)).toBeNull();
    const invalid = whole(0x20000000);
    invalid[4] = invalid[4]! & ~0x10;
    expect(m.mpu.programPairs(invalid)).toBeNull();
  });

  it("leaves the registers (RNR included) and the decisions as loadPairs does", () => {
    const a = createMachine(STM32F407);
    const b = createMachine(STM32F407);
    for (const m of [a, b]) m.mpu.setControl({ enable: true, privdefena: true });
    const words = whole(0x20000000);
    const p = b.mpu.programPairs(words)!;
    words[0] = 0; // the program holds a copy
    a.mpu.loadPairs(whole(0x20000000));
    b.mpu.loadProgram(p);
    expect(b.mpu.regions()).toEqual(a.mpu.regions());
    expect(b.core.read32(0xe000ed98)).toBe(a.core.read32(0xe000ed98));
    expect(b.mpu.table().bytes).toEqual(a.mpu.table().bytes);
    // Loaded again after another configuration: the same registers, its table kept.
    const q = b.mpu.programPairs(whole(0x20004000))!;
    b.mpu.loadProgram(q);
    const built = b.mpu.tablesBuilt;
    b.mpu.loadProgram(p);
    expect(b.mpu.knownTable()).toBe(b.mpu.table());
    expect(b.mpu.tablesBuilt).toBe(built);
    expect(b.mpu.regions()).toEqual(a.mpu.regions());
  });

  it("shares its words with the registers until a register write, which leaves the program as built", () => {
    const a = createMachine(STM32F407);
    const b = createMachine(STM32F407);
    for (const m of [a, b]) m.mpu.setControl({ enable: true, privdefena: true });
    const p = b.mpu.programPairs(whole(0x20000000))!;
    const built = [Array.from(p.rbar), Array.from(p.rasr)];
    b.mpu.loadProgram(p);
    // Every way to write the registers: the typed API, RBAR/RASR by address, a batched STM.
    b.mpu.setRegion(1, { base: 0x20008000, size: 0x400, access: "ro" });
    a.mpu.loadPairs(whole(0x20000000));
    a.mpu.setRegion(1, { base: 0x20008000, size: 0x400, access: "ro" });
    expect(b.mpu.regions()).toEqual(a.mpu.regions());
    expect([Array.from(p.rbar), Array.from(p.rasr)]).toEqual(built);
    b.mpu.loadProgram(p);
    b.core.write32(0xe000ed98, 2); // RNR
    b.core.write32(0xe000eda0, 0); // RASR: region 2 off
    b.mpu.loadProgram(p);
    b.mpu.loadPairs([0x20010000 | 0x10 | 3, 0x03020013]);
    a.mpu.loadPairs(whole(0x20000000));
    a.mpu.loadPairs([0x20010000 | 0x10 | 3, 0x03020013]);
    expect(b.mpu.regions()).toEqual(a.mpu.regions());
    expect(b.mpu.table().bytes).toEqual(a.mpu.table().bytes);
    expect([Array.from(p.rbar), Array.from(p.rasr)]).toEqual(built);
    // Loaded again: its registers and decisions as first loaded.
    b.mpu.loadProgram(p);
    const c = createMachine(STM32F407);
    c.mpu.setControl({ enable: true, privdefena: true });
    c.mpu.loadPairs(whole(0x20000000));
    expect(b.mpu.regions()).toEqual(c.mpu.regions());
    expect(b.mpu.table().bytes).toEqual(c.mpu.table().bytes);
  });

  it("writes register by register (with their events) while someone listens", () => {
    const a = createMachine(STM32F407);
    const b = createMachine(STM32F407);
    const seen: MpuChange[][] = [[], []];
    a.events.on("mpu-reconfigured", (c) => seen[0]!.push(c));
    b.events.on("mpu-reconfigured", (c) => seen[1]!.push(c));
    a.mpu.loadPairs(whole(0x20000000));
    b.mpu.loadProgram(b.mpu.programPairs(whole(0x20000000))!);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[1]!.length).toBeGreaterThan(0);
  });
});
