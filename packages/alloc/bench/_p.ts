import { replay, standardTrace } from "@rtos-sim/bench-kit";
import { createMachine, defineBoard } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import { HeapAllocator, SlabArrayAllocator, stepClasses, TlsfAllocator } from "../src/index.js";
const B = defineBoard({ name: "b", description: "x", core: "cortex-m4", memory: [{ name: "SRAM", start: 0x20000000, size: 1 << 20 }] });
const which = process.argv[2] ?? "tlsf";
const trace = standardTrace(1_000_000);
const m = createMachine(B);
const rm = new RegionManager({ memory: m.core, regions: m.board.memory });
const a = which === "tlsf" ? new TlsfAllocator({ pages: rm, memory: m.core, arenaOrder: 8 }) : which === "heap" ? new HeapAllocator({ pages: rm, memory: m.core, arenaOrder: 8 }) : new SlabArrayAllocator({ pages: rm, memory: m.core, classes: stepClasses(16, 512) });
const once = () => { const { live } = replay(trace, (s) => a.allocate(s) ?? -1, (p) => a.free(p)); for (const p of live) a.free(p); };
for (let i = 0; i < 6; i++) { const t0 = performance.now(); once(); console.log(which, (1e6 / (performance.now() - t0) / 1e3).toFixed(2), "M ops/s"); }
