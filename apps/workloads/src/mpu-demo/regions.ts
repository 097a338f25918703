import type { Machine, MemoryTypeSetting, MpuArchitecture, RegionAccess } from "@rtos-sim/hw";
import { PMSAV7_DEMO } from "./pmsav7.js";
import { PMSAV8_DEMO } from "./pmsav8.js";

/** One MPU region the demo loads: what it spans and allows. */
export interface DemoRegion {
  readonly base: number;
  readonly size: number;
  readonly access: RegionAccess;
  /** Instruction fetch allowed (XN = 0). */
  readonly executable: boolean;
  readonly memory: MemoryTypeSetting;
}

/** Register writes in the order they were made: each register's name and the value written. */
export type RegisterWrites = readonly (readonly [register: string, value: number])[];

/**
 * How the demo programs one MPU architecture, register by register, the way that
 * architecture's MPU driver in `@rtos-sim/hw` encodes regions (one entry and one file per
 * architecture: `pmsav7.ts`, `pmsav8.ts`).
 */
export interface DemoMpu<A extends MpuArchitecture = MpuArchitecture> {
  readonly architecture: A;
  /** The access giving unprivileged code read-only access (PMSAv7 keeps privileged writes; PMSAv8 cannot). */
  readonly userReadOnly: RegionAccess;
  /** Bytes of the code region over code memory of `size` bytes at `start`. */
  codeSpan(start: number, size: number): number;
  /** Writes made once before the MPU is enabled (PMSAv8: MAIR0/1 with the driver's attribute table). */
  boot(machine: Machine<A>): RegisterWrites;
  /** Loads region `n` (null: disables it) through the MPU registers; returns the writes made. */
  loadRegion(machine: Machine<A>, n: number, region: DemoRegion | null): RegisterWrites;
}

/** The demo's programming of each MPU architecture. */
export const DEMO_MPUS: { readonly [A in MpuArchitecture]: DemoMpu<A> } = {
  pmsav7: PMSAV7_DEMO,
  pmsav8: PMSAV8_DEMO,
};

/** The entry for an architecture, typed for any machine (the caller passes a machine of that architecture). */
export function demoMpu(architecture: MpuArchitecture): DemoMpu {
  return DEMO_MPUS[architecture] as DemoMpu;
}

/** Register writes as text, RNR in decimal and the rest in hex: `RNR=3 RLAR=0x00000000`, `RBAR=0x20001011 RASR=0x1308060B`. */
export function formatWrites(writes: RegisterWrites): string {
  return writes
    .map(([r, v]) => `${r}=${r === "RNR" ? String(v) : `0x${v.toString(16).toUpperCase().padStart(8, "0")}`}`)
    .join(" ");
}
