import { encodeRegion, type Machine, MpuReg, powerOfTwoAtMost, Rbar } from "@rtos-sim/hw";
import type { DemoMpu, DemoRegion, RegisterWrites } from "./regions.js";

/** Largest power of two <= size that `start` is aligned to (at least 32, the smallest region). */
function pow2Span(start: number, size: number): number {
  let s = powerOfTwoAtMost(size);
  while (s > 32 && start % s !== 0) s /= 2;
  return s;
}

/**
 * PMSAv7 (docs/mpu-model.md): a region is a power of two aligned on its size; RBAR with VALID
 * and REGION selects the region and sets its base in one write, then RASR (AP, XN, TEX/C/B,
 * SIZE, ENABLE), the pair the PMSAv7 driver computes (`pmsav7Rbar`, `pmsav7Rasr`). A disabled
 * region: RNR, then RASR = 0.
 */
export const PMSAV7_DEMO: DemoMpu<"pmsav7"> = {
  architecture: "pmsav7",
  userReadOnly: "priv-rw-user-ro",
  codeSpan: pow2Span,
  boot: () => [],
  loadRegion(machine: Machine<"pmsav7">, n: number, region: DemoRegion | null): RegisterWrites {
    const { core, mpu } = machine;
    if (region === null) {
      core.write32(MpuReg.RNR, n);
      core.write32(MpuReg.RASR, 0);
      return [
        ["RNR", n],
        ["RASR", 0],
      ];
    }
    const { rbar, rasr } = encodeRegion(n, mpu.regionCount, region);
    const rbarWord = (rbar | Rbar.VALID | n) >>> 0;
    core.write32(MpuReg.RBAR, rbarWord);
    core.write32(MpuReg.RASR, rasr);
    return [
      ["RBAR", rbarWord],
      ["RASR", rasr],
    ];
  },
};
