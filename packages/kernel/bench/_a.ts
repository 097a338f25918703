import { bootKernel } from "../src/index.js";
import { STM32F407 } from "@rtos-sim/hw";
const boot = process.argv[2] === "boot";
const k = bootKernel({ board: STM32F407, memcheck: false, watchdogCycles: 0, partitions: [{name:"shared",size:8192},{name:"ccm",region:"CCM",size:16384}] });
if (boot) {
  for (let n = 0; n < 3; n++) k.spawn({ name: `w${n}`, partitions: { shared: "rw" }, *main(t) { for (;;) { const p = yield* t.malloc(64); t.write32(p, n); yield* t.free(p); yield* t.sleep({ ms: 1 }); } } });
  k.run({ ms: 20 });
}
const m = k.machine; const core = m.core;
const shared = k.partitions.get("shared"), ccm = k.partitions.get("ccm");
const stack = 0x2000c000, data = 0x2000e000;
m.mpu.setRegion(0, { base: stack, size: 0x800, access: "rw" });
m.mpu.setRegion(1, { base: data, size: 0x1000, access: "rw" });
m.mpu.setRegion(2, { base: shared.base, size: shared.size, access: "rw", subregionDisable: 0x81 });
m.mpu.setRegion(3, { base: ccm.base, size: ccm.size, access: "rw" });

let s = 7; const rnd = () => { s |= 0; s = (s + 0x6d2b79f5) | 0; let t = Math.imul(s ^ (s >>> 15), 1 | s); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const sub = shared.size/8;
const ranges = [{base:stack,size:0x800,w:.4},{base:data,size:0x1000,w:.3},{base:shared.base+sub,size:6*sub,w:.2},{base:ccm.base,size:ccm.size,w:.1}];
const N = 1<<20; const addr = new Uint32Array(N);
for (let i=0;i<N;i++){ let u=rnd(); const w=Math.floor(rnd()*0x3fffffff); let r=ranges[3]; for (const x of ranges){ if(u<x.w){r=x;break;} u-=x.w;} addr[i]=r.base+4*(w%(r.size>>>2)); }
core.mode="thread"; core.controlNPriv = true; core.countCycles = process.argv[3]==="cyc";
function loop(m, a){ let acc=0; for(let i=0;i<a.length;i++){ const x=a[i]; acc=(acc+m.read32(x))|0; m.write32(x,acc);} return acc; }
for (let r=0;r<8;r++){ const t0=performance.now(); loop(core, addr); const dt=performance.now()-t0; console.log((2*N/dt/1e3).toFixed(0),"M/s"); }
