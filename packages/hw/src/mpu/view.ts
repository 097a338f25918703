import type { AccessPermission, MemoryAttributes } from "./fields.js";

/** The MPU architectures the model knows: ARMv7-M PMSAv7 and ARMv8-M PMSAv8. */
export type MpuArchitecture = "pmsav7" | "pmsav8";

/**
 * One MPU region decoded from its registers, in a form that does not depend on the
 * architecture: where it is, who may do what there, and the memory type. Fault dumps, the CLI
 * and reports read regions through this view; each architecture's decoder extends it with its
 * own register fields (`Pmsav7RegionView`, `Pmsav8RegionView`).
 */
export interface MpuRegionView {
  /** Which MPU the registers belong to. */
  readonly architecture: MpuArchitecture;
  /** Region number (RNR). */
  readonly number: number;
  /** The region takes part in matching: RASR.ENABLE (PMSAv7) or RLAR.EN (PMSAv8). */
  readonly enabled: boolean;
  /** First address the region matches. */
  readonly base: number;
  /** Bytes the region spans (for PMSAv7 the whole region, disabled subregions included). */
  readonly size: number;
  /** Last address the region spans (`base + size - 1`). */
  readonly limit: number;
  /** Access permissions by name (see the AP tables in docs/mpu-model.md). */
  readonly access: AccessPermission;
  /** Execute-never (XN; PMSAv8 regions also have PXN for privileged fetches, see `Pmsav8RegionView.pxn`). */
  readonly xn: boolean;
  /** Memory type and cache policy. */
  readonly attributes: MemoryAttributes;
  /** PMSAv7 subregion-disable bits; 0 on architectures without subregions. */
  readonly srd: number;
  /** Per subregion (0 = lowest), true when enabled; null on architectures without subregions. */
  readonly subregions: readonly boolean[] | null;
}
