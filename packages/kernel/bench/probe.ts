import { STM32F407 } from "@rtos-sim/hw";
import { bootKernel, sys } from "../src/index.js";

const k = bootKernel({
  board: STM32F407,
  partitions: [
    { name: "a", size: 1024 },
    { name: "b", size: 1024 },
  ],
  watchdogCycles: 1e12 as number,
});
for (let i = 0; i < 4; i++)
  k.spawn({
    name: `t${i}`,
    partitions: i % 2 ? { a: "rw" } : { b: "ro" },
    *main() {
      for (;;) yield sys.yield();
    },
  });
const N = 1 << 18;
k.run({ slices: 10000 });
for (let j = 0; j < 3; j++) {
  const t0 = performance.now();
  const r = k.run({ slices: N });
  const dt = performance.now() - t0;
  console.log((((N / dt) * 1000) / 1e6).toFixed(3), "M/s", k.loader.loads, k.loader.skips, r.reason);
}
