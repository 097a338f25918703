import { describe, expect, it } from "vitest";
import { MPS2_AN505 } from "../board/builtin/mps2-an505.js";
import { Cfsr } from "../fault.js";
import { createMachine } from "../machine.js";
import { Perm } from "../mpu/perm.js";
import { MpuV8Reg } from "../mpu-v8/fields.js";
import { hwErrorOf as caught, trap } from "../test-util.js";
import { createMpuDriver } from "./create.js";
import { PMSAV8_MAIR, Pmsav8Driver } from "./pmsav8.js";
import type { MpuGrant } from "./types.js";

const code: MpuGrant = { id: "code", label: "code", base: 0, size: 0x400000, access: "ro", executable: true };
const kernelBlock: MpuGrant = { id: "kernel", label: "kernel", base: 0x20004000, size: 0x2000, access: "priv-rw" };
const kernel = [code, kernelBlock];
const stack: MpuGrant = { id: "stack", label: "stack", base: 0x20001000, size: 1024, access: "rw", guard: 32 };
const uart: MpuGrant = {
  id: "device:uart",
  label: "UART0 (uart)",
  base: 0x40200000,
  size: 0x400,
  access: "rw",
  memory: "device",
};

function setup() {
  const m = createMachine(MPS2_AN505);
  return { m, driver: createMpuDriver(m) };
}

describe("PMSAv8 driver: layout", () => {
  it("is the driver of PMSAv8 machines; it cannot encode 'none' or 'priv-rw-user-ro'", () => {
    const { driver } = setup();
    expect(driver).toBeInstanceOf(Pmsav8Driver);
    expect([driver.architecture, driver.regionCount, driver.accesses]).toEqual([
      "pmsav8",
      8,
      ["priv-rw", "rw", "priv-ro", "ro"],
    ]);
  });

  it("a guarded stack is one region above the guard and PSPLIM = base + guard; the kernel's regions highest", () => {
    const { driver } = setup();
    const c = driver.newConfig({ who: 'task "t"', kernel, task: [stack, uart] });
    expect(c.regions.map((r) => r?.label ?? null)).toEqual([
      "stack",
      "UART0 (uart)",
      null,
      null,
      null,
      null,
      "code",
      "kernel",
    ]);
    expect(c.regions[0]).toMatchObject({ base: 0x20001020, size: 1024 - 32, access: "rw" });
    expect(c.stackLimit).toBe(0x20001020);
    // RBAR: BASE | SH 00 | AP | XN; RLAR: LIMIT | AttrIndx | EN
    expect([c.words[0], c.words[1]]).toEqual([0x20001020 | (1 << 1) | 1, 0x200013e0 | 1]);
    expect([c.words[2], c.words[3]]).toEqual([0x40200000 | (1 << 1) | 1, 0x402003e0 | (1 << 1) | 1]); // Attr1: Device
    expect([c.words[12], c.words[13]]).toEqual([0x00000000 | (3 << 1), 0x003fffe0 | 1]); // ro, executable
    expect([c.words[14], c.words[15]]).toEqual([0x20004000 | 1, 0x20005fe0 | 1]); // priv-rw
    expect([c.words[4], c.words[5]]).toEqual([0, 0]);
    expect(c.views()[1]).toMatchObject({ architecture: "pmsav8", access: "rw", device: "nGnRE", size: 0x400 });
  });

  it("refuses overlapping grants (the kernel's included), naming both", () => {
    const { driver } = setup();
    const e = caught(() =>
      driver.newConfig({
        who: 't "x"',
        kernel,
        task: [{ id: "p", label: "partition p (rw)", base: 0x20005000, size: 0x100, access: "rw" }],
      }),
    );
    expect([e.code, e.context]).toEqual([
      "MPU_GRANT_OVERLAP",
      { who: 't "x"', grant: "kernel", id: "kernel", base: 0x20004000, size: 0x2000, other: "partition p (rw)" },
    ]);
  });

  it("refuses what PMSAv8 cannot encode", () => {
    const { driver } = setup();
    const bad = (g: Partial<MpuGrant>) =>
      caught(() => driver.newConfig({ who: "t", kernel, task: [{ ...stack, ...g }] })).code;
    expect(bad({ access: "priv-rw-user-ro" })).toBe("MPU_GRANT_ACCESS");
    expect(bad({ access: "none" })).toBe("MPU_GRANT_ACCESS");
    expect(bad({ base: 0x20001010 })).toBe("MPU_GRANT_ALIGNMENT");
    expect(bad({ size: 1000 })).toBe("MPU_GRANT_SIZE");
    expect(bad({ guard: 48 })).toBe("MPU_GRANT_GUARD");
    expect(bad({ guard: 1024 })).toBe("MPU_GRANT_GUARD");
    expect(bad({ executable: true, memory: "device" })).toBe("MPU_GRANT_ACCESS");
    const two = caught(() =>
      driver.newConfig({ who: "t", kernel, task: [stack, { ...stack, id: "s2", label: "s2", base: 0x20002000 }] }),
    );
    expect([two.code, two.context.grant, two.context.first]).toEqual(["MPU_GRANT_GUARD", "s2", "stack"]);
  });

  it("sizes need no power of two and bases no alignment beyond 32 bytes", () => {
    const { driver } = setup();
    const odd: MpuGrant = { id: "odd", label: "odd", base: 0x20003020, size: 0x1e0, access: "ro" };
    const c = driver.newConfig({ who: "t", kernel, task: [odd] });
    expect(c.views()[0]).toMatchObject({ base: 0x20003020, limit: 0x200031ff, size: 0x1e0 });
  });
});

describe("PMSAv8 driver: loading", () => {
  it("writes MAIR0/1, every (RBAR, RLAR) pair and PSPLIM; skips a loaded configuration", () => {
    const { m, driver } = setup();
    const c = driver.newConfig({ who: "t", kernel, task: [stack, uart] });
    driver.configureMpu(c);
    driver.configureMpu(c);
    expect([driver.loads, driver.skips]).toEqual([1, 1]);
    expect([m.core.read32(MpuV8Reg.MAIR0), m.core.read32(MpuV8Reg.MAIR1)]).toEqual([...PMSAV8_MAIR]);
    for (let n = 0; n < 8; n++) expect(m.mpu.rawRegion(n)).toEqual({ rbar: c.words[2 * n], rlar: c.words[2 * n + 1] });
    expect(m.core.psplim).toBe(0x20001020);
    const k = driver.newConfig({ who: "kernel", kernel, task: [] });
    driver.configureMpu(k);
    expect(m.core.psplim).toBe(0);
    expect(m.mpu.rawRegion(0)).toEqual({ rbar: 0, rlar: 0 });
  });

  it("the loaded configuration decides: the stack above the guard, no region on the guard, PSPLIM on pushes", () => {
    const { m, driver } = setup();
    m.scb.shcsr = 0x70000;
    driver.configureMpu(driver.newConfig({ who: "t", kernel, task: [stack] }));
    m.mpu.setControl({ enable: true, privdefena: true });
    expect(m.mpu.decide(0x20001020) & (Perm.UR | Perm.UW)).toBe(Perm.UR | Perm.UW);
    expect(m.mpu.decide(0x20001000)).toBe(Perm.PR | Perm.PW | Perm.PX); // background only
    m.core.controlSpsel = true;
    m.core.controlNPriv = true;
    m.core.checkStackLimit(0x20001020);
    expect(trap(() => m.core.checkStackLimit(0x20001018)).cfsr).toBe(Cfsr.STKOF);
  });
});
