import { mairName, mpuRegionInfo } from "@rtos-sim/apps";
import { createMachine, MPS3_AN547, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { mpuRule, mpuTable } from "./human.js";

function v7Regions() {
  const m = createMachine(STM32F407);
  m.mpu.setRegion(1, { base: 0x20001000, size: 0x1000, access: "rw" });
  m.mpu.setRegion(2, { base: 0x20003000, size: 0x400, access: "priv-rw-user-ro", subregionDisable: 0x81 });
  m.mpu.setRegion(3, { base: 0x40004400, size: 0x400, access: "rw", memory: "device" });
  return [1, 2, 3].map((n) => mpuRegionInfo(m.mpu.region(n), `r${n}`));
}

function v8Regions() {
  const m = createMachine(MPS3_AN547);
  m.mpu.setMair(0, 0xee);
  m.mpu.setMair(1, 0x04);
  m.mpu.setMair(4, 0xaa);
  m.mpu.setRegion(0, { base: 0x20001000, size: 0x3e0, access: "rw" });
  m.mpu.setRegion(1, { base: 0x49303000, size: 0x400, access: "priv-rw", attrIndex: 1 });
  m.mpu.setRegion(6, {
    base: 0x28000000,
    size: 0x800000,
    access: "ro",
    executable: true,
    privilegedExecuteNever: true,
    attrIndex: 4,
    shareability: "inner",
  });
  return [0, 1, 6].map((n) => mpuRegionInfo(m.mpu.region(n), `r${n}`));
}

describe("MPU region tables per architecture", () => {
  it("PMSAv7: base/end/size from RBAR and RASR.SIZE, AP, XN, TEX C B S, SRD, and the two words", () => {
    expect(mpuTable(v7Regions(), "")).toBe(
      [
        "#  base        end          size  access           exec  type    TEX C B S  SRD   RBAR        RASR        for",
        "-  ----------  ----------  -----  ---------------  ----  ------  ---------  ----  ----------  ----------  ---",
        "1  0x20001000  0x20001FFF  4 KiB  rw               XN    normal  000 1 1 0  -     0x20001001  0x13030017  r1",
        "2  0x20003000  0x200033FF  1 KiB  priv-rw-user-ro  XN    normal  000 1 1 0  0x81  0x20003002  0x12038113  r2",
        "3  0x40004400  0x400047FF  1 KiB  rw               XN    device  000 0 1 0  -     0x40004403  0x13010013  r3",
        "",
      ].join("\n"),
    );
    expect(mpuRule(v7Regions())).toBe(
      "PMSAv7: the highest-numbered region wins where regions overlap; background: privileged only",
    );
  });

  it("names the PMSAv7 layout as the board's core's MPU: PMSAv6 on the ARMv6-M Cortex-M0+", () => {
    const rule = (core?: string) => mpuRule(v7Regions(), core).split(":")[0];
    expect([rule("cortex-m0plus"), rule("cortex-m4"), rule("no-such-core"), rule()]).toEqual([
      "PMSAv6",
      "PMSAv7",
      "PMSAv7",
      "PMSAv7",
    ]);
  });

  it("PMSAv8: base/limit from RBAR.BASE and RLAR.LIMIT, AP, XN/PXN, SH, the MAIR attribute, and the two words", () => {
    expect(mpuTable(v8Regions(), "")).toBe(
      [
        "#  base        limit        size  access   exec  SH   MAIR attr                RBAR        RLAR        for",
        "-  ----------  ----------  -----  -------  ----  ---  -----------------------  ----------  ----------  ---",
        "0  0x20001000  0x200013DF  992 B  rw       XN    NSH  Attr0=0xEE Normal WB     0x20001003  0x200013C1  r0",
        "1  0x49303000  0x493033FF  1 KiB  priv-rw  XN    NSH  Attr1=0x04 Device-nGnRE  0x49303001  0x493033E3  r1",
        "6  0x28000000  0x287FFFFF  8 MiB  ro       PXN   ISH  Attr4=0xAA Normal WT     0x2800001E  0x287FFFF9  r6",
        "",
      ].join("\n"),
    );
    expect(mpuRule(v8Regions())).toBe(
      "PMSAv8: an address two enabled regions both match faults (no overlaps); background: privileged only",
    );
  });

  it("PMSAv8: a region with BASE > LIMIT shows its RLAR.LIMIT and matches nothing (0 B)", () => {
    const m = createMachine(MPS3_AN547);
    m.mpu.writeRegister(0xe000ed98, 2); // RNR
    m.mpu.writeRegister(0xe000ed9c, 0x20000103); // RBAR: BASE 0x20000100, AP 01, XN
    m.mpu.writeRegister(0xe000eda0, 0x20000001); // RLAR: LIMIT 0x20000000, EN
    const table = mpuTable([mpuRegionInfo(m.mpu.region(2), "empty")], "");
    expect(table.split("\n")[2]).toBe(
      "2  0x20000100  0x2000001F   0 B  rw      XN    NSH  Attr0=0x00 Device-nGnRnE  0x20000103  0x20000001  empty",
    );
  });

  it("names MAIR attributes: Device types, Normal write-back, write-through, non-cacheable", () => {
    expect([mairName(0x00, "nGnRnE"), mairName(0xff, null), mairName(0xbb, null), mairName(0x44, null)]).toEqual([
      "Device-nGnRnE",
      "Normal WB",
      "Normal WT",
      "Normal NC",
    ]);
  });
});
