import { BOARDS, defineBoard, MPS2_AN386, STM32F407, STM32H743XI } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import { KernelError } from "../errors.js";
import { placeDevices } from "./placement.js";
import { DEVICE_ROLES, DEVICES, isDeviceRole } from "./table.js";
import { testDeviceEnv } from "./test-env.js";
import { Uart } from "./uart.js";

const place = (b: typeof STM32F407) => placeDevices(b).map((p) => [p.role, p.name, p.base]);

/** A small board with a console on USART1 and one more role the kernel has no device for. */
const custom = defineBoard({
  name: "bluepill-roles",
  core: "cortex-m3",
  memory: [
    { name: "FLASH", kind: "flash", start: 0x08000000, size: 64 * 1024 },
    { name: "RAM", start: 0x20000000, size: 20 * 1024 },
  ],
  peripherals: [{ name: "APB", start: 0x40000000, size: 0x20000 }],
  devices: { USART1: 0x40013800, CAN1: 0x40006400 },
  roles: { uart: "USART1", can: "CAN1" },
});

describe("device placement from the board's roles", () => {
  it("built-in boards: every role where the board says, in table order", () => {
    expect(place(STM32F407)).toEqual([
      ["uart", "USART2", 0x40004400],
      ["gpio", "GPIOD", 0x40020c00],
      ["timer", "TIM2", 0x40000000],
      ["sensor", "SPI1", 0x40013000],
      ["actuator", "TIM1", 0x40010000],
      ["dma", "DMA2", 0x40026400],
    ]);
    expect(place(STM32H743XI)).toEqual([
      ["uart", "USART3", 0x40004800],
      ["gpio", "GPIOA", 0x58020000],
      ["timer", "TIM2", 0x40000000],
      ["sensor", "SPI1", 0x40013000],
      ["actuator", "TIM1", 0x40010000],
      ["dma", "DMA2", 0x40020400],
    ]);
    expect(place(MPS2_AN386)).toEqual([
      ["uart", "UART0", 0x40004000],
      ["gpio", "GPIO0", 0x40010000],
      ["timer", "TIMER0", 0x40000000],
      ["sensor", "TIMER1", 0x40001000],
      ["actuator", "DUALTIMER", 0x40002000],
    ]);
    // Every role on every board but the DMA, which the STM32 boards declare (DMA2 on the F4 and H7
    // parts, GPDMA1 on the STM32U585) and the RP2040 (its DMA); the RP2350's DMA is not modelled.
    for (const b of BOARDS) {
      const dma = b.name.startsWith("stm32") || b.name.startsWith("rp2");
      expect(placeDevices(b).map((p) => p.role)).toEqual(dma ? DEVICE_ROLES : DEVICE_ROLES.filter((r) => r !== "dma"));
    }
  });

  it("a custom board: its console where its roles say; roles without a kernel device are ignored", () => {
    expect(place(custom)).toEqual([["uart", "USART1", 0x40013800]]);
    const k = bootKernel({ board: custom, imageSize: 4096, kernelHeapSize: 4096 });
    expect(k.devices.uart).toBeInstanceOf(Uart);
    expect(k.devices.uart.name).toBe("USART1");
    expect(k.devices.gpio).toBeUndefined();
    k.spawn({
      name: "hello",
      heapSize: 0,
      stackSize: 512,
      devices: ["uart"],
      *main(t) {
        for (const c of "hi\n") t.write32(k.device("uart").base + 4, c.charCodeAt(0));
        yield* t.yield();
      },
    });
    k.run({ ms: 1 });
    expect(k.faults).toEqual([]);
    expect(k.task("hello")!.output).toEqual(["hi"]);
    expect(() => k.spawn({ name: "led", devices: ["gpio"], *main() {} })).toThrow(
      /^UNKNOWN_DEVICE: board bluepill-roles has no gpio$/,
    );
  });

  it("a board that declares no uart role cannot host the kernel (BAD_CONFIG naming roles.uart)", () => {
    const mute = defineBoard({ ...custom, name: "mute", roles: {} });
    let err: unknown;
    try {
      bootKernel({ board: mute, imageSize: 4096, kernelHeapSize: 4096 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe("BAD_CONFIG");
    expect((err as KernelError).context).toEqual({ board: "mute", field: "roles.uart" });
  });
});

describe("the device table", () => {
  it("builds each role's device under the board's name for it", () => {
    const env = testDeviceEnv();
    for (const role of DEVICE_ROLES) {
      const d = DEVICES[role].create(`X-${role}`, env);
      expect(d.name).toBe(`X-${role}`);
      expect(d.size).toBe(0x400);
      expect(DEVICES[role].summary.length).toBeGreaterThan(0);
    }
    expect(isDeviceRole("uart")).toBe(true);
    expect(isDeviceRole("can")).toBe(false);
    expect(isDeviceRole("toString")).toBe(false);
  });
});
