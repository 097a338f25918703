import { type AccessV8, encodeRegionV8, type Machine, MpuV8Reg, PMSAV8_ATTR_INDEX, PMSAV8_MAIR } from "@rtos-sim/hw";
import type { DemoMpu, DemoRegion, RegisterWrites } from "./regions.js";

/**
 * PMSAv8 (docs/mpu-model.md): a region is any multiple of 32 bytes, BASE and LIMIT on 32-byte
 * boundaries, and no two may overlap. MAIR0/1 hold the PMSAv8 driver's attribute table
 * (`PMSAV8_MAIR`) and each region's AttrIndx picks its memory type from it
 * (`PMSAV8_ATTR_INDEX`); RNR selects the region, then RBAR (BASE, SH, AP, XN) and RLAR (LIMIT,
 * AttrIndx, EN), the words the driver computes (`pmsav8Rbar`, `pmsav8Rlar`). A disabled region:
 * RNR, then RLAR = 0 (EN clear).
 */
export const PMSAV8_DEMO: DemoMpu<"pmsav8"> = {
  architecture: "pmsav8",
  // AP[2:1] has no "privileged RW, unprivileged RO": read-only for both.
  userReadOnly: "ro",
  // Any multiple of 32 bytes: the whole code memory.
  codeSpan(start, size) {
    const s = Math.min(size, 2 ** 32 - start);
    return s - (s % 32);
  },
  boot(machine: Machine<"pmsav8">): RegisterWrites {
    machine.core.write32(MpuV8Reg.MAIR0, PMSAV8_MAIR[0]);
    machine.core.write32(MpuV8Reg.MAIR1, PMSAV8_MAIR[1]);
    return [
      ["MAIR0", PMSAV8_MAIR[0]],
      ["MAIR1", PMSAV8_MAIR[1]],
    ];
  },
  loadRegion(machine: Machine<"pmsav8">, n: number, region: DemoRegion | null): RegisterWrites {
    const { core, mpu } = machine;
    if (region === null) {
      core.write32(MpuV8Reg.RNR, n);
      core.write32(MpuV8Reg.RLAR, 0);
      return [
        ["RNR", n],
        ["RLAR", 0],
      ];
    }
    const { rbar, rlar } = encodeRegionV8(
      n,
      mpu.regionCount,
      {
        base: region.base,
        size: region.size,
        access: region.access as AccessV8, // a typed error (MPU_FIELD_RESERVED) if AP[2:1] cannot encode it
        executable: region.executable,
        attrIndex: PMSAV8_ATTR_INDEX[region.memory],
      },
      mpu.pxnImplemented,
    );
    core.write32(MpuV8Reg.RNR, n);
    core.write32(MpuV8Reg.RBAR, rbar);
    core.write32(MpuV8Reg.RLAR, rlar);
    return [
      ["RNR", n],
      ["RBAR", rbar],
      ["RLAR", rlar],
    ];
  },
};
