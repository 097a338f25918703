import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MPS2_AN505 } from "../board/builtin/mps2-an505.js";
import { MPS3_AN547 } from "../board/builtin/mps3-an547.js";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { STM32H743XI } from "../board/builtin/stm32h7.js";
import type { Board } from "../board/types.js";
import { HwError } from "../errors.js";
import { createMachine } from "../machine.js";
import type { MemoryTypeSetting } from "../mpu/config.js";
import { createMpuDriver } from "./create.js";
import type { MpuGrant, RegionAccess } from "./types.js";

/**
 * Property: for a random set of grants, the regions the driver lays out give exactly the grants'
 * permissions at every 32-byte granule of the range they cover (and one granule either side),
 * as the MPU model decides them at both privilege levels; what cannot fit is refused with a typed
 * error and nothing is loaded. The expected permissions come from the grants alone, through the
 * reference below (no use of the driver's or the model's tables).
 */

// Permission bits, spelled out again (same values as `Perm`).
const PR = 1;
const PW = 2;
const PX = 4;
const UR = 8;
const UW = 16;
const UX = 32;
const DEVICE = 64;

/** [privileged read, privileged write, unprivileged read, unprivileged write] per access name. */
const ACCESS: Record<RegionAccess, [boolean, boolean, boolean, boolean]> = {
  none: [false, false, false, false],
  "priv-rw": [true, true, false, false],
  "priv-rw-user-ro": [true, true, true, false],
  rw: [true, true, true, true],
  "priv-ro": [true, false, false, false],
  ro: [true, false, true, false],
};

function permOf(access: RegionAccess, executable: boolean, memory: MemoryTypeSetting): number {
  const [pr, pw, ur, uw] = ACCESS[access];
  let p = (pr ? PR : 0) | (pw ? PW : 0) | (ur ? UR : 0) | (uw ? UW : 0);
  if (executable && pr) p |= PX;
  if (executable && ur) p |= UX;
  if (!memory.startsWith("normal")) p |= DEVICE;
  return p;
}

/** SRAM under the default map, for privileged code only (PRIVDEFENA): read, write, execute. */
const BACKGROUND = PR | PW | PX;

/**
 * PMSAv7 semantics of a grant list: the task's grants in order, each followed by its guard
 * (privileged read-only), then the kernel's; where they overlap the later one wins.
 */
function expectedV7(task: readonly MpuGrant[], kernel: readonly MpuGrant[], a: number): number {
  let p = BACKGROUND;
  for (const g of [...task, ...kernel]) {
    if (a >= g.base && a < g.base + g.size) p = permOf(g.access, g.executable ?? false, g.memory ?? "normal-wb");
    const guard = g.guard ?? 0;
    if (guard > 0 && a >= g.base && a < g.base + guard)
      p = PR | (g.memory?.startsWith("normal") === false ? DEVICE : 0);
  }
  return p;
}

/**
 * PMSAv8 semantics of a grant list that does not overlap: each grant's permissions over its range,
 * a guarded stack's over [base + guard, base + size) (the guard bytes belong to no region: the
 * background, with PSPLIM = base + guard checking the stack pointer).
 */
function expectedV8(task: readonly MpuGrant[], kernel: readonly MpuGrant[], a: number): number {
  for (const g of [...task, ...kernel]) {
    const lo = g.base + (g.guard ?? 0);
    if (a >= lo && a < g.base + g.size) return permOf(g.access, g.executable ?? false, g.memory ?? "normal-wb");
  }
  return BACKGROUND;
}

/** The one PSPLIM a PMSAv8 configuration loads: the guarded stack's base + guard, or 0. */
function expectedLimit(grants: readonly MpuGrant[]): number {
  const g = grants.find((x) => (x.guard ?? 0) > 0);
  return g ? g.base + g.guard! : 0;
}

const WINDOW = 0x20000000;
const WINDOW_SIZE = 0x10000;
const ACCESSES: readonly RegionAccess[] = Object.keys(ACCESS) as RegionAccess[];
const V8_ACCESSES: readonly RegionAccess[] = ["priv-rw", "rw", "priv-ro", "ro"];
const MEMORIES: readonly MemoryTypeSetting[] = ["normal-wb", "normal-wt", "device", "strongly-ordered"];

/** A grant in the first 64 KiB of SRAM: mostly valid (a power of two, aligned), sometimes not. */
const grant = (id: string) =>
  fc
    .record({
      sizeLog: fc.integer({ min: 5, max: 13 }),
      slot: fc.nat(),
      access: fc.constantFrom(...ACCESSES),
      executable: fc.boolean(),
      memory: fc.constantFrom(...MEMORIES),
      guardLog: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, fc.integer({ min: 5, max: 7 })),
      // Mostly aligned; now and then a base PMSAv7 cannot take.
      skew: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, fc.constantFrom(32, 96)),
    })
    .map(({ sizeLog, slot, access, executable, memory, guardLog, skew }): MpuGrant => {
      const size = 2 ** sizeLog;
      const base = WINDOW + (slot % (WINDOW_SIZE / size)) * size + skew;
      const guard = guardLog !== null && 2 ** guardLog < size ? 2 ** guardLog : undefined;
      return { id, label: id, base, size, access, executable, memory, ...(guard ? { guard } : {}) };
    });

const grants = (prefix: string, max: number) =>
  fc
    .integer({ min: 0, max })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => grant(`${prefix}${i}`))))
    .map((gs) => [...gs] as MpuGrant[]);

/**
 * A PMSAv8 grant in its own 8 KiB cell of SRAM (grants in different cells never overlap): any
 * multiple of 32 bytes; now and then an access, a base or an executable Device range PMSAv8 cannot
 * take, a second guarded stack, or a grant moved into the `other` cell where it may overlap
 * another (a task grant over a kernel grant, or the other way round).
 */
const grantV8 = (id: string, cell: number, other: number) =>
  fc
    .record({
      granules: fc.integer({ min: 1, max: 128 }),
      at: fc.integer({ min: 0, max: 127 }),
      access: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...V8_ACCESSES) }, fc.constantFrom(...ACCESSES)),
      executable: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.constant(true)),
      memory: fc.oneof({ weight: 3, arbitrary: fc.constant("normal-wb" as const) }, fc.constantFrom(...MEMORIES)),
      guardGranules: fc.oneof({ weight: 7, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 3 })),
      skew: fc.oneof({ weight: 15, arbitrary: fc.constant(0) }, fc.constant(16)),
      shared: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, fc.constant(true)),
    })
    .map(({ granules, at, access, executable, memory, guardGranules, skew, shared }): MpuGrant => {
      const base = WINDOW + (shared ? other : cell) * 0x2000 + at * 32 + skew;
      const guard = guardGranules > 0 && guardGranules < granules ? guardGranules * 32 : 0;
      return { id, label: id, base, size: granules * 32, access, executable, memory, ...(guard ? { guard } : {}) };
    });

const grantsV8 = (prefix: string, max: number, firstCell: number, other: number) =>
  fc
    .integer({ min: 0, max })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => grantV8(`${prefix}${i}`, firstCell + i, other))))
    .map((gs) => [...gs] as MpuGrant[]);

/** How an architecture realises a grant list, for the property: regions needed, validity, permissions. */
interface Semantics {
  /** Random kernel and task grants for this architecture. */
  readonly grants: fc.Arbitrary<[MpuGrant[], MpuGrant[]]>;
  readonly regions: (g: MpuGrant) => number;
  /** The error code a grant list must be refused with before counting regions, or null. */
  readonly refusal: (task: readonly MpuGrant[], kernel: readonly MpuGrant[]) => string | null;
  readonly expected: (task: readonly MpuGrant[], kernel: readonly MpuGrant[], a: number) => number;
  readonly stackLimit: ((grants: readonly MpuGrant[]) => number) | null;
}

const V7: Semantics = {
  grants: fc.tuple(grants("k", 2), grants("t", 7)),
  regions: (g) => (g.guard ? 2 : 1),
  refusal: (task, kernel) => ([...task, ...kernel].every((g) => g.base % g.size === 0) ? null : "MPU_GRANT_ALIGNMENT"),
  expected: expectedV7,
  stackLimit: null,
};

const V8: Semantics = {
  grants: fc.tuple(grantsV8("k", 2, 8, 1), grantsV8("t", 7, 1, 8)),
  regions: () => 1,
  // In the order the driver checks: each grant (the kernel's first), then one stack limit, then overlaps.
  refusal: (task, kernel) => {
    for (const g of [...kernel, ...task]) {
      if (!V8_ACCESSES.includes(g.access)) return "MPU_GRANT_ACCESS";
      if (g.base % 32 !== 0) return "MPU_GRANT_ALIGNMENT";
      if (g.executable && !(g.memory ?? "normal-wb").startsWith("normal")) return "MPU_GRANT_ACCESS";
    }
    const all = [...task, ...kernel];
    if (all.filter((g) => g.guard).length > 1) return "MPU_GRANT_GUARD";
    const spans = all.map((g) => [g.base + (g.guard ?? 0), g.base + g.size] as const);
    for (let i = 0; i < spans.length; i++)
      for (let j = i + 1; j < spans.length; j++)
        if (spans[i]![0] < spans[j]![1] && spans[j]![0] < spans[i]![1]) return "MPU_GRANT_OVERLAP";
    return null;
  },
  expected: expectedV8,
  stackLimit: expectedLimit,
};

function check(board: Board, sem: Semantics): void {
  // One machine for every run (a board's memory is megabytes); each run has its own driver and
  // first loads a configuration of its own, which writes every region.
  const m = createMachine(board);
  m.mpu.setControl({ enable: true, privdefena: true });
  if (m.mpu.architecture === "pmsav8") m.core.controlSpsel = true;
  fc.assert(
    fc.property(sem.grants, ([kernel, task]) => {
      const driver = createMpuDriver(m);
      // Something loaded before, to see that a refused layout changes nothing.
      const prior = driver.newConfig({ who: "prior", kernel: [], task: [] });
      driver.configureMpu(prior);
      const snapshot = () => ({ regions: m.mpu.regions(), limit: sem.stackLimit ? m.core.psplim : 0 });
      const before = snapshot();
      const all = [...task, ...kernel];
      const needed = all.reduce((n, g) => n + sem.regions(g), 0);
      const refusal = sem.refusal(task, kernel);
      let config: ReturnType<typeof driver.newConfig>;
      try {
        config = driver.newConfig({ who: "t", kernel, task });
      } catch (e) {
        expect(e).toBeInstanceOf(HwError);
        expect((e as HwError).code).toBe(refusal ?? "MPU_REGIONS_EXHAUSTED");
        if (refusal === null) expect(needed).toBeGreaterThan(driver.regionCount);
        expect(driver.loaded).toBe(prior);
        expect(snapshot()).toEqual(before);
        return;
      }
      expect(refusal).toBeNull();
      expect(needed).toBeLessThanOrEqual(driver.regionCount);
      driver.configureMpu(config);
      if (sem.stackLimit) expect(m.core.psplim).toBe(sem.stackLimit(all));
      if (all.length === 0) return;
      const lo = Math.min(...all.map((g) => g.base)) - 32;
      const hi = Math.max(...all.map((g) => g.base + g.size)) + 32;
      for (let a = lo; a < hi; a += 32) {
        const got = m.mpu.decide(a);
        const want = sem.expected(task, kernel, a);
        if (got !== want) expect(got, `granule 0x${a.toString(16)}`).toBe(want);
      }
    }),
    { seed: 0x6d707564, numRuns: 150 },
  );
}

describe("MPU driver property: the grants' permissions at every granule, or a typed refusal", () => {
  it("PMSAv7, 8 regions (STM32F407)", () => check(STM32F407, V7));
  it("PMSAv7, 16 regions (STM32H743)", () => check(STM32H743XI, V7));
  it("PMSAv8, 8 regions (MPS2-AN505)", () => check(MPS2_AN505, V8));
  it("PMSAv8, 16 regions (MPS3-AN547)", () => check(MPS3_AN547, V8));
});
