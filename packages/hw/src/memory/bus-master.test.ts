import { describe, expect, it } from "vitest";
import { type AccessHook, AccessKind, ActorMode, actorMode, makeActor } from "../access.js";
import { RP2040 } from "../board/builtin/rp2040.js";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { STM32H743XI } from "../board/builtin/stm32h7.js";
import { createMachine } from "../machine.js";
import { BusMaster } from "./bus-master.js";
import type { Peripheral } from "./peripheral.js";

describe("a bus master besides the core (a DMA)", () => {
  it("reads and writes memory through the bus, whatever the MPU and the core's privilege say", () => {
    const m = createMachine(STM32F407);
    // The MPU on, no region, no background region: every core access to SRAM would fault.
    m.mpu.setControl({ enable: true, privdefena: false });
    const dma = new BusMaster(m.bus, m.core);
    expect(dma.write(0x20000100, 4, 0xdeadbeef)).toBeNull();
    expect(dma.write(0x20000104, 2, 0x1234)).toBeNull();
    expect(dma.write(0x20000106, 1, 0x56)).toBeNull();
    expect([...m.bus.peek(0x20000100, 7)]).toEqual([0xef, 0xbe, 0xad, 0xde, 0x34, 0x12, 0x56]);
    expect(dma.read(0x20000100, 4)).toBe(0xdeadbeef);
    expect(dma.read(0x20000104, 2)).toBe(0x1234);
    expect(dma.read(0x20000106, 1)).toBe(0x56);
    // SRAM1 into SRAM2 (contiguous): one access across the edge.
    expect(dma.write(0x2001bffe, 4, 0x01020304)).toBeNull();
    expect(m.scb.cfsr).toBe(0); // the core took no fault
  });

  it("is refused where the bus cannot take it: unmapped, read-only, unreachable (STM32F407 CCM)", () => {
    const m = createMachine(STM32F407);
    const dma = new BusMaster(m.bus, m.core);
    expect(dma.read(0x10000000, 4)).toEqual({ address: 0x10000000, access: "read", reason: "unreachable" });
    expect(dma.write(0x1000fffc, 4, 1)).toEqual({ address: 0x1000fffc, access: "write", reason: "unreachable" });
    expect(dma.write(0x08000000, 4, 1)).toEqual({ address: 0x08000000, access: "write", reason: "read-only" });
    expect(dma.read(0x08000000, 4)).toBe(0xffffffff); // flash reads, erased (0xFF)
    expect(dma.write(0x30000000, 4, 1)).toEqual({ address: 0x30000000, access: "write", reason: "unmapped" });
    expect(dma.read(0x2001fffe, 4)).toEqual({ address: 0x2001fffe, access: "read", reason: "unmapped" });
    expect([...m.bus.peek(0x1000fffc, 4)]).toEqual([0, 0, 0, 0]);
    expect(m.scb.cfsr).toBe(0);
  });

  it("cannot reach a peripheral range off its bus (the RP2040's SIO: dmaReachable false), but reaches the APB's", () => {
    const m = createMachine(RP2040);
    const dma = new BusMaster(m.bus, m.core);
    expect(RP2040.peripherals.find((p) => p.name === "SIO")).toEqual({
      name: "SIO",
      start: 0xd0000000,
      size: 0x1000,
      dmaReachable: false,
    });
    expect(dma.write(0xd0000010, 4, 1)).toEqual({ address: 0xd0000010, access: "write", reason: "unreachable" });
    expect(dma.read(0xd0000004, 4)).toEqual({ address: 0xd0000004, access: "read", reason: "unreachable" });
    expect(dma.refusal(0x40034000, 4, true)).toBeNull(); // UART0
  });

  it("cannot reach the STM32H7's TCMs (DMA1/DMA2), but reaches AXI SRAM", () => {
    const m = createMachine(STM32H743XI);
    const dma = new BusMaster(m.bus, m.core);
    expect(dma.write(0x20000000, 4, 1)).toEqual({ address: 0x20000000, access: "write", reason: "unreachable" });
    expect(dma.read(0x00000000, 4)).toEqual({ address: 0, access: "read", reason: "unreachable" });
    expect(dma.write(0x24000000, 4, 7)).toBeNull();
    expect(m.board.memory.filter((r) => !r.dmaReachable).map((r) => r.name)).toEqual(["ITCM", "DTCM"]);
    expect(STM32F407.memory.filter((r) => !r.dmaReachable).map((r) => r.name)).toEqual(["CCM"]);
  });

  it("shows every access to the hook with its own actor (mode Dma, the programming task's id)", () => {
    const m = createMachine(STM32F407);
    const seen: [number, number, number, boolean, number][] = [];
    const hook: AccessHook = { onAccess: (a, s, k, p, actor) => void seen.push([a, s, k, p, actor]) };
    m.core.hook = hook;
    const dma = new BusMaster(m.bus, m.core);
    dma.actor = makeActor(ActorMode.Dma, 5);
    dma.write(0x20000000, 4, 1);
    dma.read(0x20000000, 2);
    dma.write(0x10000000, 4, 1); // refused: not shown
    expect(seen).toEqual([
      [0x20000000, 4, AccessKind.Write, true, (5 << 2) | 3],
      [0x20000000, 2, AccessKind.Read, true, (5 << 2) | 3],
    ]);
    expect(actorMode(dma.actor)).toBe(ActorMode.Dma);
  });

  it("announces a transfer's start to the hook with its actor (begin); a hook without onMasterStart is fine", () => {
    const m = createMachine(STM32F407);
    const dma = new BusMaster(m.bus, m.core);
    dma.begin(); // no hook: nothing to tell
    const starts: number[] = [];
    m.core.hook = { onAccess: () => {}, onMasterStart: (actor) => void starts.push(actor) };
    dma.actor = makeActor(ActorMode.Dma, 5);
    dma.begin();
    expect(starts).toEqual([(5 << 2) | ActorMode.Dma]);
    m.core.hook = { onAccess: () => {} };
    expect(() => dma.begin()).not.toThrow();
  });

  it("reaches device registers through the bus, and costs what the core's accesses cost", () => {
    const m = createMachine(STM32F407);
    const writes: [number, number][] = [];
    const dev: Peripheral = {
      name: "REG",
      size: 0x400,
      read: (offset) => 0x100 + offset,
      write: (offset, _size, value) => void writes.push([offset, value]),
    };
    m.bus.attach(0x40013000, dev);
    const dma = new BusMaster(m.bus, m.core);
    expect(dma.read(0x40013004, 4)).toBe(0x104);
    expect(dma.write(0x4001300c, 4, 9)).toBeNull();
    expect(dma.read(0x40000000, 4)).toBe(0); // a decoded range with no device: reads 0
    expect(writes).toEqual([[0x0c, 9]]);
    expect([dma.cost(0x20000000), dma.cost(0x08000000), dma.cost(0x40013000), dma.cost(0x30000000)]).toEqual([
      1, 6, 2, 1,
    ]);
  });

  it("moves blocks as one access each (a burst), refused whole when any byte is out of reach", () => {
    const m = createMachine(STM32F407);
    const seen: [number, number, number][] = [];
    m.core.hook = { onAccess: (a, s, k) => void seen.push([a, s, k]) };
    const dma = new BusMaster(m.bus, m.core);
    m.bus.load(0x20000000, Uint8Array.of(1, 2, 3, 4, 5, 6));
    const data = dma.readBlock(0x20000000, 6);
    expect(data).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(dma.writeBlock(0x2001fffc, Uint8Array.of(9, 9, 9, 9))).toBeNull(); // SRAM2's last word
    expect(dma.writeBlock(0x2001fffe, Uint8Array.of(7, 7, 7, 7))).toEqual({
      address: 0x2001fffe,
      access: "write",
      reason: "unmapped",
    });
    expect(dma.readBlock(0x1000fff0, 32)).toEqual({ address: 0x1000fff0, access: "read", reason: "unmapped" });
    expect(dma.readBlock(0x1000fff0, 16)).toEqual({ address: 0x1000fff0, access: "read", reason: "unreachable" });
    expect(dma.writeBlock(0x08000000, Uint8Array.of(1))).toEqual({
      address: 0x08000000,
      access: "write",
      reason: "read-only",
    });
    expect([...m.bus.peek(0x2001fffc, 4)]).toEqual([9, 9, 9, 9]);
    expect(seen).toEqual([
      [0x20000000, 6, AccessKind.Read],
      [0x2001fffc, 4, AccessKind.Write],
    ]);
  });
});
