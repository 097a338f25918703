import type { ConfigWarning } from "../events.js";
import { MpuCtrl } from "./fields.js";

/**
 * MPU_CTRL and MPU_RNR writes, the same on PMSAv7 and PMSAv8: what the register holds after the
 * write, with the project's choice for UNPREDICTABLE values (docs/mpu-model.md) warned about.
 */

/** MPU_CTRL after writing `value`: bits [2:0]; HFNMIENA without ENABLE is warned about (the MPU stays off). */
export function ctrlAfterWrite(value: number, warn: (w: ConfigWarning) => void): number {
  const c = value & 7;
  if ((c & MpuCtrl.ENABLE) === 0 && (c & MpuCtrl.HFNMIENA) !== 0) {
    warn({
      code: "MPU_HFNMIENA_WITHOUT_ENABLE",
      message: "MPU_CTRL: HFNMIENA=1 with ENABLE=0 is UNPREDICTABLE; the MPU stays off (project choice)",
      field: "CTRL.HFNMIENA",
      value: c,
    });
  }
  return c;
}

/** MPU_RNR.REGION after writing `value`, or -1 (warned about, write ignored) for a region the MPU does not have. */
export function rnrAfterWrite(value: number, regionCount: number, warn: (w: ConfigWarning) => void): number {
  const n = value & 0xff;
  if (n < regionCount) return n;
  warn({
    code: "MPU_RNR_RANGE",
    message: `MPU_RNR: region ${n} does not exist (DREGION=${regionCount}); write ignored (project choice)`,
    field: "RNR.REGION",
    value: n,
  });
  return -1;
}
