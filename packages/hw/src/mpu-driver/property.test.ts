import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STM32F407, STM32H743XI } from "../board/builtin.js";
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

const WINDOW = 0x20000000;
const WINDOW_SIZE = 0x10000;
const ACCESSES: readonly RegionAccess[] = Object.keys(ACCESS) as RegionAccess[];
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

function regionsNeeded(gs: readonly MpuGrant[]): number {
  return gs.reduce((n, g) => n + (g.guard ? 2 : 1), 0);
}

function validV7(g: MpuGrant): boolean {
  return g.base % g.size === 0;
}

function check(board: Board): void {
  // One machine for every run (a board's memory is megabytes); each run has its own driver and
  // first loads a configuration of its own, which writes every region.
  const m = createMachine(board);
  m.mpu.setControl({ enable: true, privdefena: true });
  fc.assert(
    fc.property(grants("k", 2), grants("t", 7), (kernel, task) => {
      const driver = createMpuDriver(m);
      // Something loaded before, to see that a refused layout changes nothing.
      const prior = driver.newConfig({ who: "prior", kernel: [], task: [] });
      driver.configureMpu(prior);
      const registers = () => Array.from({ length: driver.regionCount }, (_, n) => m.mpu.rawRegion(n));
      const before = registers();
      const fits = regionsNeeded(kernel) + regionsNeeded(task) <= driver.regionCount;
      const valid = [...kernel, ...task].every(validV7);
      let config: ReturnType<typeof driver.newConfig>;
      try {
        config = driver.newConfig({ who: "t", kernel, task });
      } catch (e) {
        expect(e).toBeInstanceOf(HwError);
        const code = (e as HwError).code;
        if (!valid) expect(code).toBe("MPU_GRANT_ALIGNMENT");
        else {
          expect(fits).toBe(false);
          expect(code).toBe("MPU_REGIONS_EXHAUSTED");
        }
        expect(driver.loaded).toBe(prior);
        expect(registers()).toEqual(before);
        return;
      }
      expect(valid && fits).toBe(true);
      driver.configureMpu(config);
      const all = [...kernel, ...task];
      if (all.length === 0) return;
      const lo = Math.min(...all.map((g) => g.base)) - 32;
      const hi = Math.max(...all.map((g) => g.base + g.size)) + 32;
      for (let a = lo; a < hi; a += 32) {
        const got = m.mpu.decide(a);
        const want = expectedV7(task, kernel, a);
        if (got !== want) expect(got, `granule 0x${a.toString(16)}`).toBe(want);
      }
    }),
    { seed: 0x6d707564, numRuns: 150 },
  );
}

describe("MPU driver property: the grants' permissions at every granule, or a typed refusal", () => {
  it("PMSAv7, 8 regions (STM32F407)", () => check(STM32F407));
  it("PMSAv7, 16 regions (STM32H743)", () => check(STM32H743XI));
});
