import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./index.js";

describe("kernel smoke", () => {
  it.each([false, true])("runs two tasks, stops a rogue one (memcheck %s)", (memcheck) => {
    const k = bootKernel({ board: STM32F407, memcheck, partitions: [{ name: "ring", size: 1024 }] });
    const seen: number[] = [];
    k.spawn({
      name: "worker",
      partitions: { ring: "rw" },
      *main(t) {
        for (let i = 0; i < 5; i++) {
          const p = yield* t.malloc(16);
          t.write32(p, i);
          seen.push(t.read32(p));
          t.writeString(p, `w${i}\n`);
          yield* t.print(p, 3);
          yield* t.free(p);
          yield* t.sleep({ ms: 1 });
        }
      },
    });
    k.spawn({
      name: "rogue",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        t.read32(k.kernelBlock.base);
      },
    });
    const r = k.run({ ms: 20 });
    expect(r.reason).toBe("no-tasks");
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(k.task("worker")!.output).toEqual(["w0", "w1", "w2", "w3", "w4"]);
    expect(k.faults.length).toBe(1);
    expect(k.faults[0]!.kind).toBe("memmanage");
  });
});
