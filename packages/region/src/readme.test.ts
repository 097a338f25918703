import { createMachine, STM32F407 } from "@rtos-sim/hw";
import { expect, it } from "vitest";
import { RegionManager } from "./region-manager.js";

it("the README quick start prints what the README says", () => {
  const out: unknown[] = [];
  const log = (x: unknown) => out.push(x);
  const m = createMachine(STM32F407);
  const rm = new RegionManager({
    memory: m.core,
    regions: m.board.memory.filter((r) => !r.readOnly),
    reserved: [{ start: 0x20000000, size: 0x1234, label: ".data+.bss" }],
  });
  const stack = rm.allocPages(3, { owner: "task1-stack", region: "SRAM1" });
  log(stack?.toString(16));
  log(rm.ownerOf(0x20002c00));
  log(rm.pageMap("SRAM1", { width: 32 }));
  rm.freePages(stack!, 3);
  log(rm.consistencyCheck());
  expect(out).toEqual([
    "20002000",
    "task1-stack",
    [
      "SRAM1 [0x20000000, 0x2001c000) buddy, 112 pages of 1 KiB, 1 char = 1 page",
      "0x20000000 RRRRR#..AAAAAAAA................",
      "0x20008000 ................................",
      "0x20010000 ................................",
      "0x20018000 ................",
      "legend (pages): . free (98)  # metadata (1)  R reserved: .data+.bss (5)  A task1-stack (8)",
      "",
    ].join("\n"),
    [],
  ]);
});
