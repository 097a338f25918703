import { bitBandAliasOf } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import type { TaskContext } from "./task-context.js";
import { bootTest } from "./test-kit.js";

/** Runs `body` as a privileged task whose stack and heap are in SRAM1 (the bit-band region; the F407's CCM has none). */
function run(memcheck: boolean, body: (t: TaskContext) => Generator<unknown, void, unknown>) {
  const k = bootTest({ memcheck });
  k.spawn({ name: "bits", privileged: true, region: "SRAM1", main: body });
  k.run({ ms: 5 });
  return k;
}

/** The alias word of a bit (the test's addresses are all in SRAM1). */
const bit = (byte: number, n: number) => bitBandAliasOf(byte, n)!;

describe("bit-banding in a task (STM32F407: SRAM1 through 0x22000000; docs/bit-banding.md)", () => {
  it("a privileged task sets and clears single bits of its heap through the alias", () => {
    let seen: number[] = [];
    const k = run(false, function* (t) {
      const p = yield* t.malloc(16);
      t.write32(p, 0);
      t.write32(bit(p, 3), 1);
      t.write32(bit(p + 2, 7), 0xff);
      const before = t.read32(p);
      t.write32(bit(p, 3), 0x0e); // bit 0 clear: the bit is cleared
      seen = [before, t.read32(p), t.read32(bit(p + 2, 7)), t.read32(bit(p, 3))];
    });
    expect(k.faults).toEqual([]);
    expect(seen).toEqual([0x00800008, 0x00800000, 1, 0]);
  });

  it("with the checker, a bit store to a freed block is a use after free at the bit's byte, by the task", () => {
    let freed = 0;
    const k = run(true, function* (t) {
      const p = yield* t.malloc(16);
      yield* t.free(p);
      freed = p;
      t.write32(bit(p + 4, 1), 1);
    });
    const r = k.checker!.reports;
    expect(r.map((x) => [x.kind, x.address, x.taskName])).toEqual([["use-after-free", freed + 4, "bits"]]);
    expect(k.faults.map((f) => [f.task, f.kind])).toEqual([["bits", "checker"]]); // a write error stops the task
  });

  it("with the checker, a bit load from a byte never written is an uninitialized read of that byte", () => {
    let block = 0;
    const k = run(true, function* (t) {
      block = yield* t.malloc(16);
      t.write32(block, 7);
      t.read32(bit(block, 0)); // written: no report
      t.read32(bit(block + 9, 2));
      yield* t.free(block);
    });
    expect(k.checker!.reports.map((x) => [x.kind, x.address])).toEqual([["uninitialized-read", block + 9]]);
  });
});
