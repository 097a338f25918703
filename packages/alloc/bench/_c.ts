import { replay, standardTrace } from "@rtos-sim/bench-kit";
import { createMachine, defineBoard } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import { HeapAllocator, SlabArrayAllocator, stepClasses, TlsfAllocator } from "../src/index.js";
const B = defineBoard({ name: "b", description: "x", core: "cortex-m4", memory: [{ name: "SRAM", start: 0x20000000, size: 1 << 20 }] });
const trace = standardTrace(200_000);
for (const which of ["tlsf", "heap", "slab"]) {
  const m = createMachine(B);
  const counts: Record<string, number> = {};
  const core = m.core as any;
  for (const f of ["read32", "write32", "read16", "write16", "read8", "write8"]) { const orig = core[f].bind(core); core[f] = (...args: any[]) => { counts[f] = (counts[f] ?? 0) + 1; return orig(...args); }; }
  const rm = new RegionManager({ memory: m.core, regions: m.board.memory });
  const a = which === "tlsf" ? new TlsfAllocator({ pages: rm, memory: m.core, arenaOrder: 8 }) : which === "heap" ? new HeapAllocator({ pages: rm, memory: m.core, arenaOrder: 8 }) : new SlabArrayAllocator({ pages: rm, memory: m.core, classes: stepClasses(16, 512) });
  for (const k in counts) counts[k] = 0;
  const { live } = replay(trace, (s) => a.allocate(s) ?? -1, (p) => a.free(p)); for (const p of live) a.free(p);
  const total = Object.values(counts).reduce((x, y) => x + y, 0);
  console.log(which, "accesses/op", (total / 200000).toFixed(1), JSON.stringify(Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, +(v / 200000).toFixed(1)]))));
}
