import { STM32F407 } from "@rtos-sim/hw";
import { expect, it } from "vitest";
import { bootKernel } from "./index.js";

it("the README example prints what the README says", () => {
  const kernel = bootKernel({ board: STM32F407, partitions: [{ name: "telemetry", size: 1024 }] });

  kernel.spawn({
    name: "logger",
    partitions: { telemetry: "rw" },
    *main(t) {
      const buf = yield* t.malloc(32); // from its own TLSF heap
      for (let i = 0; i < 3; i++) {
        t.writeString(buf, `tick ${i}\n`);
        yield* t.print(buf, 7);
        yield* t.sleep({ ms: 1 });
      }
    },
  });

  kernel.spawn({
    name: "rogue",
    *main(t) {
      yield* t.sleep({ ms: 1 });
      t.read32(kernel.kernelBlock.base); // kernel memory: privileged only
    },
  });

  const result = kernel.run({ ms: 10 });
  expect([result.reason, kernel.task("logger")!.output]).toEqual(["no-tasks", ["tick 0", "tick 1", "tick 2"]]);
  expect(kernel.faults[0]!.dump).toBe(
    [
      '---| Fault in task "rogue" (id 2) at t=1.005 ms |---',
      "memmanage: MemManage DACCVIOL|MMARVALID at 0x20004000 on read of 4 byte(s) at 0x20004000",
      "  exception 4 (MemManage)",
      "  CFSR  = 0x00000082  DACCVIOL MMARVALID",
      "  HFSR  = 0x00000000  -",
      "  MMFAR = 0x20004000",
      "  access: read of 4 byte(s) at 0x20004000, unprivileged",
      "Task: state faulted, priority 1, unprivileged, restarts 0, policy stop -> stopped",
      "Stack: [0x10000c00, 0x10001000) guard [0x10000c00, 0x10000c20) SP = 0x10001000",
      "Code: 0x08002000",
      "Memory map:",
      "  stack                    0x10000c00-0x10001000   1 KiB rw",
      "  stack guard              0x10000c00-0x10000c20    32 B priv-ro",
      "  heap                     0x10002000-0x10003000   4 KiB rw",
      "  code                     0x08002000-0x08003000   4 KiB ro, executable",
      "MPU regions:",
      "  # 0 0x10000c00   1 KiB rw              XN normal subregions 11111111  stack",
      "  # 1 0x10000c00    32 B priv-ro         XN normal  stack guard",
      "  # 2 0x10002000   4 KiB rw              XN normal subregions 11111111  heap",
      "  # 3 0x08002000   4 KiB ro              X  normal subregions 11111111  code",
      "  # 4 disabled",
      "  # 5 disabled",
      "  # 6 disabled",
      "  # 7 0x20004000   8 KiB priv-rw         XN normal subregions 11111111  kernel",
    ].join("\n"),
  );
});
