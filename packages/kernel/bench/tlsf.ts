/**
 * TLSF on the standard allocator trace in a process that booted a kernel, with the MPU on: the
 * arena is a 256 KiB block of the H743's AXI SRAM from the kernel's region manager, covered by an
 * MPU region that allows it either to privileged code only (the kernel's own allocator) or to the
 * task (a task heap: the allocator runs with the task's privilege, unprivileged, so only the
 * task's MPU view reaches its metadata).
 */
import { TlsfAllocator } from "@rtos-sim/alloc";
import { type Measurement, measure, replay, standardTrace } from "@rtos-sim/bench-kit";
import { STM32H743XI } from "@rtos-sim/hw";
import { bootKernel, HeapBlockSource } from "../src/index.js";

/** Operations of the standard trace. */
export const TRACE_OPS = 1_000_000;

/** `privileged`: an arena privileged code alone may touch; else one an unprivileged task owns. */
export function tlsfInKernel(privileged: boolean): Measurement {
  const k = bootKernel({ board: STM32H743XI, memcheck: false });
  k.spawn({
    name: "idle-worker",
    *main(t) {
      for (;;) {
        const p = yield* t.malloc(48);
        t.write32(p, 1);
        yield* t.free(p);
        yield* t.sleep({ ms: 1 });
      }
    },
  });
  k.run({ ms: 20 });
  const order = 8; // 256 pages of 1 KiB
  const base = k.regions.allocPages(order, { owner: "bench-arena", region: "AXISRAM" });
  if (base === null) throw new Error("no room for the bench arena");
  const { mpu, core } = k.machine;
  mpu.setRegion(0, { base, size: 1024 << order, access: privileged ? "priv-rw" : "rw" });
  core.mode = privileged ? "handler" : "thread";
  core.controlNPriv = !privileged;
  const tlsf = new TlsfAllocator({
    pages: new HeapBlockSource(base, order, 10),
    memory: core,
    arenaOrder: order,
  });
  const trace = standardTrace(TRACE_OPS);
  const malloc = (s: number) => tlsf.allocate(s) ?? -1;
  const free = (p: number) => tlsf.free(p);
  const name = privileged
    ? "TLSF, standard trace, MPU on, arena privileged-only (kernel heap)"
    : "TLSF, standard trace, MPU on, arena reached through the task's view (unprivileged)";
  return measure(name, TRACE_OPS, () => {
    const { live } = replay(trace, malloc, free);
    for (const p of live) tlsf.free(p);
    return live.length;
  });
}
