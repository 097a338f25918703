import { mulberry32 } from "@rtos-sim/prng";
import { type BaselineRun, type Measurement, measure } from "./measure.js";

/** Runs of a case timed with a paired baseline: more than the default 5, as each ratio is one pair's. */
export const PAIRED_RUNS = 9;

/** The memory-access benchmarks' shape: 2^20 random word addresses in 128 KiB of SRAM at 0x20000000. */
export const ACCESS = { count: 1 << 20, base: 0x20000000, size: 128 * 1024 } as const;

/** Operations per run of an access loop: one load and one store per address. */
export const ACCESS_OPS = 2 * ACCESS.count;

/** Word-aligned random offsets into [0, size), from a seeded mulberry32. */
export function randomWordOffsets(count = ACCESS.count, size = ACCESS.size, seed = 42): Uint32Array {
  const rnd = mulberry32(seed);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.floor(rnd() * (size / 4)) * 4;
  return out;
}

/**
 * The baseline of the access benchmarks: the same loop as {@link accessLoop} (same address
 * array, same address arithmetic, same accumulation) with a raw DataView over the memory.
 */
export function rawAccessBaseline(off: Uint32Array = randomWordOffsets()): Measurement {
  const b = rawAccessRun(off);
  return measure(b.name, b.ops, b.run);
}

/**
 * The loop of {@link rawAccessBaseline} as a {@link BaselineRun}: what {@link accessLoop} times
 * alternately with its case, in the case's process.
 */
export function rawAccessRun(off: Uint32Array = randomWordOffsets()): BaselineRun {
  const dv = new DataView(new ArrayBuffer(ACCESS.size));
  const base = ACCESS.base;
  return {
    name: "raw DataView load+store",
    ops: ACCESS_OPS,
    run: () => {
      let acc = 0;
      for (let i = 0; i < off.length; i++) {
        const a = base + off[i]!;
        acc = (acc + dv.getUint32(a - base, true)) | 0;
        dv.setUint32(a - base, acc, true);
      }
      return acc;
    },
  };
}

/** What an access loop needs of a core: 32-bit loads and stores. */
export interface WordAccess {
  read32(address: number): number;
  write32(address: number, value: number): void;
}

/**
 * Loads and stores through `core` at the random addresses: the measured loop of every access
 * case, timed alternately with the raw baseline at the same addresses ({@link rawAccessRun}) in
 * the same process, so its ratio is the median run-by-run ratio (see `PairedBaseline`).
 */
export function accessLoop(name: string, core: WordAccess, off: Uint32Array = randomWordOffsets()): Measurement {
  const base = ACCESS.base;
  const options = { runs: PAIRED_RUNS, baseline: rawAccessRun(off) };
  return measure(
    name,
    ACCESS_OPS,
    () => {
      let acc = 0;
      for (let i = 0; i < off.length; i++) {
        const a = base + off[i]!;
        acc = (acc + core.read32(a)) | 0;
        core.write32(a, acc);
      }
      return acc;
    },
    options,
  );
}

/** One MPU region as the access benchmarks program it (a subset of hw's typed settings). */
export interface BenchRegion {
  readonly base: number;
  readonly size: number;
  readonly access: "ro" | "rw" | "priv-rw";
  readonly executable?: boolean;
  readonly memory?: "device";
  readonly subregionDisable?: number;
}

/** The MPU typed API as the access benchmarks program it. */
export interface RegionProgrammer {
  setRegion(n: number, settings: BenchRegion): void;
  setControl(c: { enable: boolean; privdefena?: boolean }): void;
}

/**
 * The access benchmarks' 8 MPU regions on an STM32F407: flash, SRAM (user read-write), CCM,
 * peripherals, and four smaller overlapping ones; region 6 is a privileged-only 256-byte hole
 * at the top of SRAM when `privateHole` (the table then decides per granule there).
 */
export function programEightRegions(mpu: RegionProgrammer, privateHole = false): void {
  mpu.setRegion(0, { base: 0x08000000, size: 0x100000, access: "ro", executable: true });
  mpu.setRegion(1, { base: 0x20000000, size: 0x20000, access: "rw" });
  mpu.setRegion(2, { base: 0x10000000, size: 0x10000, access: "priv-rw" });
  mpu.setRegion(3, { base: 0x40000000, size: 0x20000000, access: "priv-rw", memory: "device" });
  mpu.setRegion(4, { base: 0x20004000, size: 0x4000, access: "rw", subregionDisable: 0x81 });
  mpu.setRegion(5, { base: 0x20010000, size: 0x8000, access: "rw" });
  mpu.setRegion(
    6,
    privateHole
      ? { base: 0x2001ff00, size: 0x100, access: "priv-rw" }
      : { base: 0x2001f000, size: 0x1000, access: "rw" },
  );
  mpu.setRegion(7, { base: 0x1fff0000, size: 0x10000, access: "ro" });
  mpu.setControl({ enable: true, privdefena: true });
}
