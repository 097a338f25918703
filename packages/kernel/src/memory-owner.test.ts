import type { AccessHook } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import type { TaskSpec } from "./config.js";
import { GUARD_BYTES } from "./task-record.js";
import { bootTest } from "./test-kit.js";

const idle = (name: string, extra: Partial<TaskSpec> = {}): TaskSpec => ({
  name,
  heap: "heap", // 1 KiB: a first-fit heap (a TLSF heap needs 2 KiB)
  heapSize: 1024,
  ...extra,
  *main(t) {
    yield* t.sleep({ ms: 100 });
  },
});

describe("whose memory an address is", () => {
  it("names stacks, guards, heaps, partitions, kernel memory, task code and the board's memory", () => {
    const k = bootTest();
    const imu = k.spawn(idle("imu"));
    const mixer = k.spawn(idle("mixer"));
    const secret = k.partitions.get("secret")!;
    expect(k.whoseMemory(imu.stack.top - 4)).toBe('the stack of task "imu"');
    expect(k.whoseMemory(imu.stack.base + GUARD_BYTES)).toBe('the stack of task "imu"');
    expect(k.whoseMemory(imu.stack.base + GUARD_BYTES - 1)).toBe('the stack guard of task "imu"');
    expect(k.whoseMemory(mixer.heap!.base + 8)).toBe('the heap of task "mixer"');
    expect(k.whoseMemory(secret.base + secret.size - 1)).toBe('partition "secret"');
    expect(k.whoseMemory(k.kernelBlock.base)).toBe("kernel memory");
    expect(k.whoseMemory(mixer.code + 0x20)).toBe('the code of task "mixer"');
    // In the managed regions, the pages nobody holds: page metadata and free blocks.
    expect(k.whoseMemory(0x1000_0000)).toBe("the page metadata of CCM");
    expect(k.whoseMemory(0x2001_c000 + 2048)).toBe("free pages of SRAM2");
    // Outside the managed pages: the image's reserved range, the code memory, other memory, devices.
    expect(k.whoseMemory(0x20000000)).toBe(".data+.bss+MSP (reserved in SRAM1)");
    expect(k.whoseMemory(0x0800_0000)).toBe("code memory (Flash)");
    expect(k.whoseMemory(0x4000_4400)).toBe("device USART2 (APB1)");
    expect(k.whoseMemory(0x4000_0000)).toBe("device TIM2 (APB1)");
    expect(k.whoseMemory(0x4000_2000)).toBe("peripheral range APB1, no device");
    expect(k.whoseMemory(0xe000_ed94)).toBe("the System Control Space (SCB, MPU, SysTick)");
    expect(k.whoseMemory(0x9000_0000)).toBe("no memory or device at 0x90000000");
  });

  it("reads the page metadata as a debugger: no cycles, nothing the checker sees, the core as it was", () => {
    const k = bootTest({ memcheck: true });
    k.spawn(idle("imu"));
    k.run({ ms: 1 });
    const core = k.machine.core;
    const before = [core.cycles, core.countCycles, core.mode, core.actor, core.hook];
    const seen: number[] = [];
    const checker = core.hook!;
    // A hook that records every access in place of the checker (a debugger's reads reach neither).
    const recorder: AccessHook = { onAccess: (a) => void seen.push(a) };
    core.hook = recorder;
    expect(k.whoseMemory(k.kernelBlock.base)).toBe("kernel memory");
    expect(seen).toEqual([]);
    expect(core.hook).toBe(recorder);
    core.hook = checker;
    expect([core.cycles, core.countCycles, core.mode, core.actor, core.hook]).toEqual(before);
  });
});
