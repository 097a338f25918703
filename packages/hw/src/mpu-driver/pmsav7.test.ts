import { describe, expect, it } from "vitest";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { createMachine } from "../machine.js";
import { Perm } from "../mpu/perm.js";
import { hwErrorOf as caught } from "../test-util.js";
import { createMpuDriver } from "./create.js";
import { Pmsav7Driver } from "./pmsav7.js";
import type { MpuGrant } from "./types.js";

const code: MpuGrant = {
  id: "code",
  label: "code",
  base: 0x08000000,
  size: 0x100000,
  access: "ro",
  executable: true,
};
const kernelBlock: MpuGrant = { id: "kernel", label: "kernel", base: 0x20004000, size: 0x2000, access: "priv-rw" };
const kernel = [code, kernelBlock];
const stack: MpuGrant = { id: "stack", label: "stack", base: 0x20008000, size: 1024, access: "rw", guard: 32 };

function setup() {
  const m = createMachine(STM32F407);
  const driver = createMpuDriver(m);
  return { m, driver };
}

describe("PMSAv7 driver: layout", () => {
  it("is the driver of PMSAv7 machines", () => {
    const { driver } = setup();
    expect(driver).toBeInstanceOf(Pmsav7Driver);
    expect([driver.architecture, driver.regionCount]).toEqual(["pmsav7", 8]);
  });

  it("puts the task's grants lowest, a stack's guard right after it, the kernel's highest-numbered", () => {
    const { driver } = setup();
    const c = driver.newConfig({ who: 'task "t"', kernel, task: [stack] });
    expect(c.regions.map((r) => r?.label ?? null)).toEqual([
      "stack",
      "stack guard",
      null,
      null,
      null,
      null,
      "code",
      "kernel",
    ]);
    expect(c.regions[1]).toMatchObject({
      base: 0x20008000,
      size: 32,
      access: "priv-ro",
      executable: false,
      kernel: false,
    });
    expect(c.regions[7]).toMatchObject({ number: 7, kernel: true, grant: kernelBlock });
    // RBAR: ADDR | VALID | REGION; RASR: XN | AP | TEX/C/B (normal-wb: C B) | SIZE | ENABLE
    expect(c.words[0]).toBe(0x20008000 | 0x10 | 0);
    expect(c.words[1]).toBe(0x13030013); // rw, XN, C B, SIZE=9 (1 KiB)
    expect(c.words[2]).toBe(0x20008000 | 0x10 | 1);
    expect(c.words[3]).toBe(0x15030009); // priv-ro, XN, C B, SIZE=4 (32 B)
    expect([c.words[4], c.words[5]]).toEqual([0x10 | 2, 0]); // disabled: VALID | REGION, RASR 0
    expect(c.words[12]).toBe(0x08000000 | 0x10 | 6);
    expect(c.words[13]).toBe(0x06030027); // ro, executable, SIZE=19 (1 MiB)
    expect(c.stackLimit).toBeNull();
  });

  it("views decode the cached words, architecture-neutral", () => {
    const { driver } = setup();
    const c = driver.newConfig({ who: "t", kernel, task: [stack] });
    const v = c.views();
    expect(v).toHaveLength(8);
    expect(v[0]).toMatchObject({
      architecture: "pmsav7",
      number: 0,
      enabled: true,
      base: 0x20008000,
      size: 1024,
      limit: 0x200083ff,
      access: "rw",
      xn: true,
    });
    expect(v[1]).toMatchObject({ base: 0x20008000, size: 32, access: "priv-ro" });
    expect(v[2]!.enabled).toBe(false);
    expect(c.views()).toBe(v); // decoded once
  });

  it("MPU_REGIONS_EXHAUSTED names the pieces that do not fit, in region order", () => {
    const { driver } = setup();
    const task = [
      stack,
      ...[0, 1, 2, 3, 4].map((i) => ({
        id: `p${i}`,
        label: `p${i}`,
        base: 0x20010000 + i * 1024,
        size: 1024,
        access: "rw" as const,
      })),
    ];
    const e = caught(() => driver.newConfig({ who: 'task "x"', kernel, task }));
    expect(e.code).toBe("MPU_REGIONS_EXHAUSTED");
    expect(e.message).toBe(
      'MPU_REGIONS_EXHAUSTED: task "x" needs 7 MPU regions but only 6 of 8 are left after the kernel\'s 2: p4 do not fit',
    );
    expect(e.context).toEqual({ who: 'task "x"', needed: 7, available: 6, regionCount: 8, dropped: ["p4"] });
  });

  it("refuses what PMSAv7 cannot express, naming the grant", () => {
    const { driver } = setup();
    const bad = (g: Partial<MpuGrant>) =>
      caught(() => driver.newConfig({ who: "t", kernel, task: [{ ...stack, ...g }] }));
    const size = bad({ size: 1000 });
    expect([size.code, size.context]).toEqual([
      "MPU_GRANT_SIZE",
      { who: "t", grant: "stack", id: "stack", base: 0x20008000, size: 1000 },
    ]);
    expect(bad({ base: 0x20008200 }).code).toBe("MPU_GRANT_ALIGNMENT");
    expect(bad({ guard: 48 }).code).toBe("MPU_GRANT_GUARD");
    expect(bad({ guard: 1024 }).code).toBe("MPU_GRANT_GUARD");
    expect(bad({ size: 16, guard: 0 }).code).toBe("MPU_GRANT_SIZE");
    expect(bad({ base: -32 }).code).toBe("MPU_GRANT_ALIGNMENT");
    expect(bad({ access: "reserved" as never }).code).toBe("MPU_GRANT_ACCESS");
    expect(bad({ size: 1000 }).message).toContain('grant "stack" [0x20008000, +1000)');
  });
});

describe("PMSAv7 driver: loading", () => {
  it("writes a configuration once and skips it while loaded; registers hold its words", () => {
    const { m, driver } = setup();
    const a = driver.newConfig({ who: "kernel", kernel, task: [] });
    const b = driver.newConfig({ who: "t", kernel, task: [stack] });
    driver.configureMpu(a);
    driver.configureMpu(a);
    driver.configureMpu(b);
    driver.configureMpu(b);
    driver.configureMpu(a);
    expect([driver.loads, driver.skips]).toEqual([3, 2]);
    expect(driver.loaded).toBe(a);
    expect(m.mpu.rawRegion(7)).toEqual({ rbar: 0x20004000, rasr: b.words[15] });
    expect(m.mpu.region(0).enabled).toBe(false);
    driver.invalidate();
    driver.configureMpu(a);
    expect(driver.loads).toBe(4);
  });

  it("the loaded configuration decides: the task's stack RW unprivileged, its guard privileged read-only", () => {
    const { m, driver } = setup();
    driver.configureMpu(driver.newConfig({ who: "t", kernel, task: [stack] }));
    m.mpu.setControl({ enable: true, privdefena: true });
    expect(m.mpu.decide(0x20008020) & (Perm.UR | Perm.UW)).toBe(Perm.UR | Perm.UW);
    expect(m.mpu.decide(0x20008000)).toBe(Perm.PR);
    expect(m.mpu.decide(0x20004000)).toBe(Perm.PR | Perm.PW);
  });

  it("two task grants of one id are refused (MPU_GRANT_ID), naming both; the kernel's ids are its own", () => {
    const { driver } = setup();
    const again: MpuGrant = { ...stack, label: "stack copy", base: 0x2000a000 };
    const e = caught(() => driver.newConfig({ who: "t", kernel, task: [stack, again] }));
    expect(e.code).toBe("MPU_GRANT_ID");
    expect(e.message).toBe(
      'MPU_GRANT_ID: t: grant "stack copy" [0x2000a000, +1024) has the id "stack" of grant "stack"',
    );
    expect(e.context).toEqual({
      who: "t",
      grant: "stack copy",
      id: "stack",
      base: 0x2000a000,
      size: 1024,
      other: "stack",
    });
    expect(driver.loads).toBe(0);
    // A kernel grant may share a task grant's id: allocateRegion and removeRegion touch task grants only.
    const k = kernel[0]!;
    const c = driver.newConfig({ who: "t", kernel, task: [{ ...stack, id: k.id }] });
    expect(driver.removeRegion(c, k.id).kernelGrants).toEqual(kernel);
  });

  it("a configuration of another driver is refused (MPU_CONFIG_FOREIGN), nothing written", () => {
    const { m, driver } = setup();
    const other = createMpuDriver(createMachine(STM32F407));
    const c = other.newConfig({ who: "t", kernel, task: [stack] });
    const e = caught(() => driver.configureMpu(c));
    expect(e.code).toBe("MPU_CONFIG_FOREIGN");
    expect(driver.loads).toBe(0);
    expect(m.mpu.rawRegion(0)).toEqual({ rbar: 0, rasr: 0 });
  });
});

describe("PMSAv7 driver: reconfiguration (copy on write)", () => {
  const ring = (access: "ro" | "rw"): MpuGrant => ({
    id: "partition:ring",
    label: `partition ring (${access})`,
    base: 0x20010000,
    size: 1024,
    access,
  });

  it("allocateRegion replaces the grant of the same id and puts it last; the old configuration stays", () => {
    const { driver } = setup();
    const heap: MpuGrant = { id: "heap", label: "heap", base: 0x2000c000, size: 4096, access: "rw" };
    const c0 = driver.newConfig({ who: "t", kernel, task: [stack, ring("ro"), heap] });
    const c1 = driver.allocateRegion(c0, ring("rw"));
    expect(c1.regions.slice(0, 4).map((r) => r?.label)).toEqual([
      "stack",
      "stack guard",
      "heap",
      "partition ring (rw)",
    ]);
    expect(c0.regions[2]?.label).toBe("partition ring (ro)");
    expect(c1.id).not.toBe(c0.id);
    const c2 = driver.removeRegion(c1, "partition:ring");
    expect(c2.regions.slice(0, 4).map((r) => r?.label ?? null)).toEqual(["stack", "stack guard", "heap", null]);
    expect(driver.removeRegion(c2, "nothing")).toBe(c2);
  });

  it("a grant that does not fit leaves the configuration and the MPU as they were", () => {
    const { m, driver } = setup();
    const full = [0, 1, 2, 3, 4, 5].map((i) => ({
      id: `g${i}`,
      label: `g${i}`,
      base: 0x20010000 + i * 1024,
      size: 1024,
      access: "rw" as const,
    }));
    const c = driver.newConfig({ who: "t", kernel, task: full });
    driver.configureMpu(c);
    const before = [...Array(8).keys()].map((n) => m.mpu.rawRegion(n));
    const e = caught(() => driver.allocateRegion(c, ring("ro")));
    expect(e.code).toBe("MPU_REGIONS_EXHAUSTED");
    expect(driver.loaded).toBe(c);
    expect([...Array(8).keys()].map((n) => m.mpu.rawRegion(n))).toEqual(before);
  });
});
