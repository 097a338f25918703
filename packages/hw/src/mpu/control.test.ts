import { describe, expect, it } from "vitest";
import { MPS2_AN386 } from "../board/builtin/mps2-an386.js";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { createMachine, type Machine } from "../machine.js";
import { trap } from "../test-util.js";
import { Perm } from "./perm.js";

/**
 * MPU_CTRL (ENABLE, PRIVDEFENA, HFNMIENA), the default map for vector reads and the PPB, the PPB's
 * privileged-only rule, XN and the always-XN system range.
 */

const CTRL = 0xe000ed94;
const RASR = 0xe000eda0;
const CPUID = 0xe000ed00;
const VTOR = 0xe000ed08;

function setup(board = STM32F407): Machine<"pmsav7"> {
  const m = createMachine(board);
  m.scb.shcsr = 0x70000;
  m.bus.load(0x20000040, new Uint8Array([1, 2, 3, 4]));
  return m;
}

function ack(m: Machine<"pmsav7">): void {
  m.core.clearFault();
  m.scb.cfsr = 0;
}

describe("PRIVDEFENA", () => {
  it("on: privileged code outside every region uses the default map; unprivileged code faults", () => {
    const m = setup();
    m.mpu.setRegion(0, { base: 0x08000000, size: 0x100000, access: "ro", executable: true });
    m.core.write32(CTRL, 0b101);
    expect(m.mpu.control).toBe(5);
    expect(m.core.read32(0x20000040)).toBe(0x04030201);
    m.core.write32(0x20000040, 9);
    expect(m.core.read32(0x40024000)).toBe(0); // backup SRAM, Device
    expect(m.core.permissionAt(0x20000040)).toBe(Perm.PR | Perm.PW | Perm.PX);
    expect(m.core.permissionAt(0x40024000)).toBe(Perm.PR | Perm.PW | Perm.DEVICE);
    m.core.controlNPriv = true;
    const f = trap(() => m.core.read32(0x20000040));
    expect([f.exception, m.scb.cfsr, m.scb.mmfar]).toEqual([4, 0x82, 0x20000040]);
    ack(m);
    expect(m.core.read32(0x08000000)).toBe(0xffffffff); // inside region 0 (erased flash)
    expect(m.core.fetch(0x08000000)).toBe(0xffff); // a halfword fetch of erased flash
  });

  it("off: privileged code outside every region faults too", () => {
    const m = setup();
    m.mpu.setRegion(0, { base: 0x08000000, size: 0x100000, access: "ro", executable: true });
    m.mpu.setControl({ enable: true });
    expect(m.core.read32(CTRL)).toBe(1);
    const f = trap(() => m.core.read32(0x20000040));
    expect([f.exception, f.access.privileged, m.scb.cfsr, m.scb.mmfar]).toEqual([4, true, 0x82, 0x20000040]);
    ack(m);
    const g = trap(() => m.core.fetch(0x20000040));
    expect([g.exception, m.scb.cfsr]).toEqual([4, 0x01]);
    ack(m);
    expect(m.core.permissionAt(0x20000040)).toBe(0);
    expect(m.core.read32(0x08000000)).toBe(0xffffffff);
  });

  it("the background keeps the default map's memory type (unaligned Device access faults)", () => {
    const m = setup();
    m.mpu.setControl({ enable: true, privdefena: true });
    const f = trap(() => m.core.read32(0x40024002));
    expect([f.exception, m.scb.cfsr]).toEqual([6, 0x01000000]);
  });
});

describe("MPU disabled", () => {
  it("the default map applies to everyone, whatever the regions say", () => {
    const m = setup();
    m.mpu.setRegion(0, { base: 0, size: 2 ** 32, access: "none" });
    expect(m.mpu.enabled).toBe(false);
    m.core.controlNPriv = true;
    expect(m.core.read32(0x20000040)).toBe(0x04030201);
    m.core.write32(0x20000044, 0x55);
    expect(m.core.fetch(0x20000040)).toBe(0x0201);
    expect(m.core.permissionAt(0x20000040)).toBe(Perm.PR | Perm.PW | Perm.PX | Perm.UR | Perm.UW | Perm.UX);
    expect(m.core.permissionAt(0x40024000)).toBe(Perm.PR | Perm.PW | Perm.UR | Perm.UW | Perm.DEVICE);
    // The default map's XN ranges still forbid fetches.
    const f = trap(() => m.core.fetch(0x40024000));
    expect([f.exception, m.scb.cfsr]).toEqual([4, 0x01]);
    ack(m);
    const g = trap(() => m.core.fetch(0xa0000000));
    expect([g.exception, m.scb.cfsr]).toEqual([4, 0x01]);
  });

  it("turning the MPU on and off again switches the decision at once (no stale table)", () => {
    const m = setup();
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "priv-rw" });
    m.core.controlNPriv = true;
    expect(m.core.read32(0x20000040)).toBe(0x04030201);
    m.core.controlNPriv = false;
    m.core.write32(CTRL, 1);
    m.core.controlNPriv = true;
    expect(trap(() => m.core.read32(0x20000040)).exception).toBe(4);
    ack(m);
    m.core.controlNPriv = false;
    m.core.write32(CTRL, 0);
    m.core.controlNPriv = true;
    expect(m.core.read32(0x20000040)).toBe(0x04030201);
  });
});

describe("HFNMIENA and negative execution priority", () => {
  function hardFaultContext(hfnmiena: boolean): Machine<"pmsav7"> {
    const m = setup();
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "none" });
    m.mpu.setControl({ enable: true, privdefena: true, hfnmiena });
    m.core.mode = "handler";
    m.core.executionPriority = -1; // in HardFault
    return m;
  }

  it("HFNMIENA=0: the HardFault handler runs on the default map", () => {
    const m = hardFaultContext(false);
    expect(m.core.read32(0x20000040)).toBe(0x04030201);
    m.core.write32(0x20000040, 0x11);
    expect(m.core.permissionAt(0x20000040) & Perm.PR).toBe(Perm.PR);
    // Back to a handler priority >= 0: the MPU applies again (MemManage at priority 0 preempts 0x80).
    m.core.executionPriority = 0x80;
    expect(trap(() => m.core.read32(0x20000040)).exception).toBe(4);
  });

  it("HFNMIENA=1: the MPU applies at priority -1 and a violation there is a lockup", () => {
    const m = hardFaultContext(true);
    expect(m.core.read32(CTRL)).toBe(0b111);
    const f = trap(() => m.core.read32(0x20000040));
    expect(f.exception).toBe(3);
    expect(f.cause).toBe(4);
    expect(f.lockup).toBe(true);
    expect(m.scb.cfsr).toBe(0x82);
    expect(m.scb.mmfar).toBe(0x20000040);
    expect(f.message).toBe("Lockup: MemManage DACCVIOL|MMARVALID at 0x20000040 on read of 4 byte(s) at 0x20000040");
  });

  it("NMI priority (-2) behaves the same way", () => {
    const m = hardFaultContext(false);
    m.core.executionPriority = -2;
    expect(m.core.read32(0x20000040)).toBe(0x04030201);
    m.mpu.setControl({ enable: true, privdefena: true, hfnmiena: true });
    expect(trap(() => m.core.read32(0x20000040)).lockup).toBe(true);
  });

  it("HFNMIENA=1 with ENABLE=0 warns and leaves the MPU off", () => {
    const m = setup();
    const codes: string[] = [];
    m.events.on("warning", (w) => codes.push(w.code));
    m.core.write32(CTRL, 0b010);
    expect(codes).toEqual(["MPU_HFNMIENA_WITHOUT_ENABLE"]);
    expect(m.mpu.enabled).toBe(false);
    m.core.controlNPriv = true;
    expect(m.core.read32(0x20000040)).toBe(0x04030201);
  });
});

describe("vector-table reads use the default map", () => {
  it("core.readVector reads VTOR + 4n even where the MPU denies everything", () => {
    const m = setup();
    const table = new Uint8Array(64);
    new DataView(table.buffer).setUint32(4 * 4, 0x08000123, true);
    new DataView(table.buffer).setUint32(4 * 11, 0x08000457, true);
    m.bus.load(0x08000000, table);
    m.core.write32(VTOR, 0x08000000);
    m.mpu.setRegion(7, { base: 0, size: 2 ** 32, access: "none" });
    m.mpu.setControl({ enable: true });
    m.core.controlNPriv = true;
    expect(m.core.readVector(4)).toBe(0x08000123);
    expect(m.core.readVector(11)).toBe(0x08000457);
    expect(m.scb.cfsr).toBe(0);
    expect(trap(() => m.core.read32(0x08000010)).exception).toBe(4);
  });

  it("a vector outside memory is a HardFault with HFSR.VECTTBL", () => {
    const m = setup();
    m.scb.vtor = 0x30000000;
    const f = trap(() => m.core.readVector(3));
    expect([f.exception, f.cause, f.cfsr, m.scb.hfsr]).toEqual([3, 3, 0, 0x2]);
  });
});

describe("PPB: default map, privileged only", () => {
  it("privileged read of CPUID (Cortex-M4 r0p1 on STM32F407)", () => {
    const m = setup();
    m.mpu.setControl({ enable: true }); // no regions, no background: the PPB is still reachable
    expect(m.core.read32(CPUID)).toBe(0x410fc241);
  });

  it("unprivileged read of CPUID: BusFault, CFSR=0x8200, BFAR=0xE000ED00 (QEMU check value)", () => {
    const m = setup(MPS2_AN386);
    m.core.controlNPriv = true;
    const f = trap(() => m.core.read32(CPUID));
    expect(f.exception).toBe(5);
    expect(f.cfsr).toBe(0x8200);
    expect(f.faultAddress).toBe(0xe000ed00);
    expect(m.scb.cfsr).toBe(0x8200);
    expect(m.scb.bfar).toBe(0xe000ed00);
  });

  it("an LDRT-style unprivileged read by privileged code is a BusFault too", () => {
    const m = setup();
    const f = trap(() => m.core.read8(CPUID + 3, true));
    expect([f.exception, m.scb.cfsr, m.scb.bfar, f.access.privileged]).toEqual([5, 0x8200, 0xe000ed03, false]);
  });

  it("unprivileged write to MPU_RASR: BusFault, the register unchanged", () => {
    const m = setup();
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x100, access: "rw" });
    const before = m.core.read32(RASR);
    const changes: unknown[] = [];
    m.events.on("mpu-reconfigured", (c) => changes.push(c));
    m.core.controlNPriv = true;
    const f = trap(() => m.core.write32(RASR, 0));
    expect([f.exception, m.scb.cfsr, m.scb.bfar]).toEqual([5, 0x8200, 0xe000eda0]);
    ack(m);
    m.core.controlNPriv = false;
    expect(m.core.read32(RASR)).toBe(before);
    expect(m.mpu.rawRegion(0).rasr).toBe(before);
    expect(changes).toEqual([]);
  });

  it("a region granting unprivileged access over the PPB does not open it", () => {
    const m = setup();
    m.mpu.setRegion(0, { base: 0xe0000000, size: 0x100000, access: "rw" });
    m.mpu.setControl({ enable: true });
    m.core.controlNPriv = true;
    expect(trap(() => m.core.read32(0xe000ed90)).exception).toBe(5);
    expect(m.scb.bfar).toBe(0xe000ed90);
  });

  it("fetch from the PPB: MemManage IACCVIOL (no MMFAR)", () => {
    const m = setup();
    const f = trap(() => m.core.fetch(0xe000ed00));
    expect([f.exception, f.cfsr, f.faultAddress, m.scb.cfsr]).toEqual([4, 0x01, null, 0x01]);
  });
});

describe("XN", () => {
  it("fetch from an XN region: CFSR = 0x01 (QEMU check value), reads still allowed", () => {
    const m = setup();
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "rw", executable: false });
    m.mpu.setControl({ enable: true });
    m.core.controlNPriv = true;
    expect(m.core.read16(0x20000040)).toBe(0x0201);
    const f = trap(() => m.core.fetch(0x20000040));
    expect([f.exception, f.cfsr, m.scb.cfsr, m.scb.mmfar]).toEqual([4, 0x01, 0x01, 0]);
    expect(f.access).toEqual({ address: 0x20000040, size: 2, kind: 2, privileged: false, actor: 0 });
  });

  it("0xE0000000-0xFFFFFFFF is execute-never even in an executable region", () => {
    const m = setup();
    m.mpu.setRegion(0, { base: 0xe0000000, size: 0x20000000, access: "rw", executable: true });
    m.mpu.setControl({ enable: true });
    expect(m.mpu.region(0).xn).toBe(false);
    for (const a of [0xe0100000, 0xf0000000, 0xfffffffe]) {
      expect(m.core.permissionAt(a) & (Perm.PX | Perm.UX)).toBe(0);
      expect(m.mpu.decide(a) & (Perm.PX | Perm.UX)).toBe(0);
      expect(m.core.permissionAt(a) & (Perm.PR | Perm.UR)).toBe(Perm.PR | Perm.UR);
    }
    // The PPB is the default map whatever the region says: privileged RW, Strongly-ordered, XN.
    expect(m.mpu.decide(0xe000ed00) & (Perm.PX | Perm.UX)).toBe(0);
    expect(m.core.permissionAt(0xe000ed00)).toBe(Perm.PR | Perm.PW | Perm.DEVICE);
    const f = trap(() => m.core.fetch(0xe0100000));
    expect([f.exception, m.scb.cfsr]).toEqual([4, 0x01]);
    ack(m);
    m.mpu.setControl({ enable: false });
    expect(trap(() => m.core.fetch(0xf0000000)).cfsr).toBe(0x01);
  });
});
