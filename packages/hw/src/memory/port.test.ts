import { describe, expect, it } from "vitest";
import { ActorMode, makeActor } from "../access.js";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { Fault } from "../fault.js";
import { createMachine } from "../machine.js";
import type { MemoryPort } from "./port.js";

describe("MemoryPort", () => {
  it("is satisfied by the core: accesses are the core's, checked by the MPU, with its actor tag", () => {
    const m = createMachine(STM32F407);
    const port: MemoryPort = m.core;
    port.write32(0x20000010, 0xcafef00d);
    expect(m.bus.peek(0x20000010, 4)).toEqual(new Uint8Array([0x0d, 0xf0, 0xfe, 0xca]));
    expect(port.actorObserved).toBe(false);
    port.actor = makeActor(ActorMode.Allocator, 3);
    expect(m.core.actor).toBe(makeActor(ActorMode.Allocator, 3));
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x400, access: "priv-rw" });
    m.mpu.setControl({ enable: true, privdefena: true });
    m.core.controlNPriv = true;
    expect(() => port.read32(0x20000010)).toThrow(Fault);
  });
});
