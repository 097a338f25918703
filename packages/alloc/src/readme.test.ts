import { createMachine, STM32F407 } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import { expect, it } from "vitest";
import type { Allocator } from "./allocator.js";
import { AllocError } from "./errors.js";
import { HeapAllocator } from "./heap.js";
import { SlabArrayAllocator } from "./slab-array.js";
import { TlsfAllocator } from "./tlsf.js";

it("the README example prints what the README says", () => {
  const out: string[] = [];
  const log = (x: string) => out.push(x);
  // --- README example (keep in sync) ---
  const m = createMachine(STM32F407);
  const regions = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
  const common = { pages: regions, memory: m.core, region: "SRAM1" };

  // Application code written against the interface only.
  function sensorTask(heap: Allocator): string {
    const buf = heap.allocate(48)!;
    const msg = heap.allocate(20)!;
    heap.free(buf);
    const s = heap.stats();
    heap.free(msg);
    heap.releaseEmpty();
    return `${heap.kind}: msg at 0x${msg.toString(16)}, ${s.liveBlocks} live, ${s.liveBytes} B, ${s.pages} pages`;
  }

  for (const heap of [new TlsfAllocator(common), new HeapAllocator(common), new SlabArrayAllocator(common)]) {
    log(sensorTask(heap));
  }

  const tlsf = new TlsfAllocator(common);
  const p = tlsf.allocate(100)!;
  try {
    tlsf.free(p + 4); // not the start of a live block: reported, nothing changes
  } catch (e) {
    if (e instanceof AllocError) log(`${e.code} at 0x${(e.context.address as number).toString(16)}`);
  }
  m.core.fill(p, 0x41, 112); // a task writes 12 bytes too many, into the next header
  try {
    tlsf.free(p);
  } catch (e) {
    if (e instanceof AllocError) log(`${e.code} at 0x${(e.context.address as number).toString(16)}`);
  }
  // --- end of README example ---
  expect(out).toEqual([
    "tlsf: msg at 0x20004040, 1 live, 20 B, 16 pages",
    "heap: msg at 0x20004040, 1 live, 20 B, 16 pages",
    "slab-array: msg at 0x20001020, 1 live, 32 B, 4 pages",
    "INVALID_FREE at 0x2000400c",
    "HEAP_CORRUPTION at 0x20004070",
  ]);
});
