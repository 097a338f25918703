import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MPS2_AN386 } from "../board/builtin/mps2-an386.js";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { STM32H743XI } from "../board/builtin/stm32h7.js";
import type { Board } from "../board/types.js";
import { Fault } from "../fault.js";
import { createMachine, type Machine } from "../machine.js";

/**
 * Property: on random MPU configurations and random accesses, the decision the core takes (allowed
 * vs MemManage, and `core.permissionAt`) equals a small reference model written here, straight
 * from the lookup order of the ARMv7-M ARM (docs/mpu-model.md, "Lookup order"). The model scans every region for every address; the
 * implementation precomputes per-granule tables (memory) or decides directly (elsewhere) and
 * caches tables per configuration, so configurations are re-applied to hit the cache.
 */

// ---- the reference model ---------------------------------------------------------------------

/** Permission bits, spelled out again here (same values as `Perm`). */
const PR = 1;
const PW = 2;
const PX = 4;
const UR = 8;
const UW = 16;
const UX = 32;
const DEVICE = 64;

interface RegionRegs {
  rbar: number;
  rasr: number;
}

interface Config {
  ctrl: number;
  regions: RegionRegs[];
}

/** Default memory map: [first, last, normal?, xn?]. */
const DEFAULT_MAP: [number, number, boolean, boolean][] = [
  [0x00000000, 0x1fffffff, true, false],
  [0x20000000, 0x3fffffff, true, false],
  [0x40000000, 0x5fffffff, false, true],
  [0x60000000, 0x9fffffff, true, false],
  [0xa0000000, 0xdfffffff, false, true],
  [0xe0000000, 0xe00fffff, false, true],
  [0xe0100000, 0xffffffff, false, true],
];

function defaultMap(a: number): number {
  const [, , normal, xn] = DEFAULT_MAP.find(([lo, hi]) => a >= lo && a <= hi)!;
  let p = PR | PW | UR | UW;
  if (!xn) p |= PX | UX;
  if (!normal) p |= DEVICE;
  return p;
}

/** Normal memory per the TEX/C/B table (everything else, reserved included, is not Normal). */
function isNormal(tex: number, c: number, b: number): boolean {
  if (tex >= 4) return true;
  if (tex === 0) return c === 1;
  if (tex === 1) return c === b;
  return false;
}

/** The AP table: [privileged read, privileged write, unprivileged read, unprivileged write]. */
const AP: [boolean, boolean, boolean, boolean][] = [
  [false, false, false, false],
  [true, true, false, false],
  [true, true, true, false],
  [true, true, true, true],
  [false, false, false, false], // 100: project choice, no access
  [true, false, false, false],
  [true, false, true, false],
  [true, false, true, false],
];

function regionPerm(rasr: number): number {
  const [pr, pw, ur, uw] = AP[(rasr >>> 24) & 7]!;
  const xn = ((rasr >>> 28) & 1) === 1;
  let p = 0;
  if (pr) p |= PR | (xn ? 0 : PX);
  if (pw) p |= PW;
  if (ur) p |= UR | (xn ? 0 : UX);
  if (uw) p |= UW;
  if (!isNormal((rasr >>> 19) & 7, (rasr >>> 17) & 1, (rasr >>> 16) & 1)) p |= DEVICE;
  return p;
}

/** Whether an enabled region matches `a` (SIZE >= 4, address[31:SIZE+1] compared, subregion enabled). */
function matches(r: RegionRegs, a: number): boolean {
  if ((r.rasr & 1) === 0) return false;
  const sizeField = (r.rasr >>> 1) & 31;
  if (sizeField < 4) return false;
  const size = 2 ** (sizeField + 1);
  const base = Math.floor((r.rbar >>> 0) / size) * size; // bits below SIZE+1 ignored
  if (a < base || a >= base + size) return false;
  if (size < 256) return true; // SRD ignored
  const sub = Math.floor((a - base) / (size / 8));
  return ((r.rasr >>> (8 + sub)) & 1) === 0;
}

/** The MPU as programmed (ENABLE, PRIVDEFENA; scan all regions, highest match wins; system XN). */
function refMpu(cfg: Config, a: number): number {
  let p: number;
  if ((cfg.ctrl & 1) === 0) p = defaultMap(a);
  else {
    p = cfg.ctrl & 4 ? defaultMap(a) & (PR | PW | PX | DEVICE) : 0;
    for (const r of cfg.regions) if (matches(r, a)) p = regionPerm(r.rasr);
  }
  if (a >= 0xe0000000) p &= ~(PX | UX);
  return p;
}

/** The decision as the core takes it: PPB privileged-only default; default map at priority < 0 without HFNMIENA. */
function refCore(cfg: Config, a: number, priority: number): number {
  if (a >= 0xe0000000 && a <= 0xe00fffff) return PR | PW | DEVICE;
  if (priority < 0 && (cfg.ctrl & 2) === 0) return a >= 0xe0000000 ? defaultMap(a) & ~(PX | UX) : defaultMap(a);
  return refMpu(cfg, a);
}

// ---- generators ------------------------------------------------------------------------------

const BOARDS: Board[] = [STM32F407, STM32H743XI, MPS2_AN386];

/** Addresses near the board's memory (table path) or anywhere (direct path). */
function addressArb(board: Board): fc.Arbitrary<number> {
  const inMemory = fc
    .tuple(fc.constantFrom(...board.memory), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([r, f]) => r.start + Math.min(r.size - 1, Math.floor(f * r.size)));
  const edges = fc
    .tuple(fc.constantFrom(...board.memory), fc.boolean(), fc.integer({ min: -64, max: 64 }))
    .map(([r, end, d]) => ((end ? r.end : r.start) + d) >>> 0);
  const anywhere = fc.integer({ min: 0, max: 0xffffffff });
  const system = fc.integer({ min: 0xe0000000, max: 0xe01fffff });
  return fc.oneof(
    { arbitrary: inMemory, weight: 5 },
    { arbitrary: edges, weight: 2 },
    { arbitrary: anywhere, weight: 3 },
    { arbitrary: system, weight: 1 },
  );
}

function regionArb(board: Board): fc.Arbitrary<RegionRegs> {
  const sizeField = fc.oneof(
    { arbitrary: fc.integer({ min: 4, max: 12 }), weight: 5 },
    { arbitrary: fc.integer({ min: 4, max: 31 }), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 1 },
  );
  const base = fc.oneof(addressArb(board), fc.constant(0));
  return fc
    .record({
      base,
      enable: fc.integer({ min: 0, max: 4 }).map((x) => x > 0),
      sizeField,
      srd: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })),
      ap: fc.integer({ min: 0, max: 7 }),
      xn: fc.boolean(),
      tex: fc.integer({ min: 0, max: 7 }),
      s: fc.boolean(),
      c: fc.boolean(),
      b: fc.boolean(),
    })
    .map((r) => ({
      rbar: (r.base & 0xffffffe0) >>> 0,
      rasr:
        ((r.xn ? 1 << 28 : 0) |
          (r.ap << 24) |
          (r.tex << 19) |
          (r.s ? 1 << 18 : 0) |
          (r.c ? 1 << 17 : 0) |
          (r.b ? 1 << 16 : 0) |
          (r.srd << 8) |
          (r.sizeField << 1) |
          (r.enable ? 1 : 0)) >>>
        0,
    }));
}

function configArb(board: Board): fc.Arbitrary<Config> {
  return fc.record({
    ctrl: fc.integer({ min: 0, max: 7 }),
    regions: fc.array(regionArb(board), { minLength: board.mpuRegions, maxLength: board.mpuRegions }),
  });
}

type Context = "thread-priv" | "thread-unpriv" | "handler" | "hardfault";
interface Access {
  address: number;
  size: 1 | 2 | 4;
  kind: "read" | "write" | "fetch";
  ldrt: boolean;
}

function accessArb(board: Board): fc.Arbitrary<Access> {
  return fc
    .record({
      address: addressArb(board),
      size: fc.constantFrom(1 as const, 2 as const, 4 as const),
      kind: fc.constantFrom("read" as const, "write" as const, "fetch" as const),
      ldrt: fc.boolean(),
    })
    .map((x) => {
      const size = x.kind === "fetch" ? 2 : x.size;
      return { ...x, size, address: (x.address - (x.address % size)) >>> 0 };
    });
}

// ---- driving the machine -----------------------------------------------------------------------

/** Programs every region with STMs of RBAR (VALID | REGION) / RASR pairs to the alias block. */
function program(m: Machine, cfg: Config): void {
  const c = m.core;
  c.mode = "thread";
  c.controlNPriv = false;
  c.executionPriority = 256;
  c.write32(0xe000ed94, 0);
  for (let n = 0; n < cfg.regions.length; n += 4) {
    const words: number[] = [];
    for (let i = n; i < n + 4; i++) words.push((cfg.regions[i]!.rbar | 0x10 | i) >>> 0, cfg.regions[i]!.rasr);
    c.writeWords(0xe000ed9c, words);
  }
  c.write32(0xe000ed94, cfg.ctrl);
}

function enter(m: Machine, ctx: Context): number {
  const c = m.core;
  c.mode = ctx === "handler" || ctx === "hardfault" ? "handler" : "thread";
  c.controlNPriv = ctx === "thread-unpriv";
  const priority = ctx === "handler" ? 0x80 : ctx === "hardfault" ? -1 : 256;
  c.executionPriority = priority;
  return priority;
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** Checks one access against the model; returns a description of a mismatch or null. */
function check(m: Machine, cfg: Config, priority: number, acc: Access): string | null {
  const c = m.core;
  const a = acc.address;
  const ppb = a >>> 20 === 0xe00;
  const kind = ppb && acc.kind === "write" ? "read" : acc.kind; // PPB stores would reprogram the MPU
  const ldrt = kind !== "fetch" && acc.ldrt;
  const priv = c.privileged && !ldrt;
  const want = refCore(cfg, a, priority);
  const got = c.permissionAt(a);
  if (got !== want) return `permissionAt(${hex(a)}) = ${hex(got)}, model ${hex(want)}`;
  if (!ppb) {
    const mpu = m.mpu.decide(a);
    const wantMpu = refMpu(cfg, a);
    if (mpu !== wantMpu) return `mpu.decide(${hex(a)}) = ${hex(mpu)}, model ${hex(wantMpu)}`;
  }
  const need = kind === "read" ? (priv ? PR : UR) : kind === "write" ? (priv ? PW : UW) : priv ? PX : UX;
  m.scb.cfsr = 0;
  let fault: Fault | null = null;
  let value = -1;
  try {
    if (kind === "fetch") value = c.fetch(a);
    else if (kind === "read")
      value = acc.size === 4 ? c.read32(a, ldrt) : acc.size === 2 ? c.read16(a, ldrt) : c.read8(a, ldrt);
    else if (acc.size === 4) c.write32(a, 0xa5a5a5a5, ldrt);
    else if (acc.size === 2) c.write16(a, 0xa5a5, ldrt);
    else c.write8(a, 0xa5, ldrt);
  } catch (e) {
    if (!(e instanceof Fault)) throw e;
    fault = e;
    c.clearFault();
  }
  const what = `${kind} ${acc.size} at ${hex(a)} priv=${priv} prio=${priority}`;
  if (ppb) {
    if (kind === "fetch") return fault?.cause === 4 && fault.cfsr === 0x01 ? null : `${what}: expected IACCVIOL`;
    if (!priv) return fault?.cause === 5 && m.scb.bfar === a ? null : `${what}: expected PPB BusFault`;
    return fault === null ? null : `${what}: unexpected ${fault.message}`;
  }
  const allowed = (want & need) !== 0;
  if (!allowed) {
    if (fault === null || fault.cause !== 4) return `${what}: model denies, got ${fault?.message ?? "success"}`;
    if (kind === "fetch") return fault.cfsr === 0x01 && m.scb.cfsr === 0x01 ? null : `${what}: CFSR ${hex(m.scb.cfsr)}`;
    return m.scb.cfsr === 0x82 && m.scb.mmfar === a
      ? null
      : `${what}: CFSR ${hex(m.scb.cfsr)} MMFAR ${hex(m.scb.mmfar)}`;
  }
  if (fault !== null && fault.cause === 4) return `${what}: model allows, got ${fault.message}`;
  // Allowed by the MPU: the memory answers (or the bus faults, never the MPU).
  const seg = m.bus.segmentFor(a, acc.size);
  if (fault === null && kind === "read" && seg) {
    const bytes = m.bus.peek(a, acc.size);
    let v = 0;
    for (let i = acc.size - 1; i >= 0; i--) v = v * 256 + bytes[i]!;
    if (v !== value) return `${what}: read ${hex(value)}, memory holds ${hex(v)}`;
  }
  if (fault !== null && fault.cause !== 5) return `${what}: unexpected ${fault.message}`;
  return null;
}

describe("MPU decisions equal the reference model", () => {
  for (const board of BOARDS) {
    it(`${board.name}: random configurations (${board.mpuRegions} regions) and accesses, re-applied from the cache`, () => {
      const m = createMachine(board);
      m.scb.shcsr = 0x70000;
      fc.assert(
        fc.property(
          configArb(board),
          configArb(board),
          fc.array(
            fc.tuple(
              fc.constantFrom<Context>("thread-priv", "thread-unpriv", "handler", "hardfault"),
              accessArb(board),
            ),
            {
              minLength: 20,
              maxLength: 40,
            },
          ),
          (cfgA, cfgB, accesses) => {
            for (const [step, cfg] of [cfgA, cfgB, cfgA].entries()) {
              const built = m.mpu.tablesBuilt;
              program(m, cfg);
              for (const [ctx, acc] of accesses) {
                const priority = enter(m, ctx);
                const err = check(m, cfg, priority, acc);
                if (err !== null) throw new Error(`config ${step}: ${err}`);
              }
              if (step === 2 && m.mpu.tablesBuilt !== built) {
                // Re-applying configuration A must find its table in the cache.
                throw new Error(`config A rebuilt its table (${built} -> ${m.mpu.tablesBuilt})`);
              }
            }
          },
        ),
        { seed: 0x5eed + board.mpuRegions, numRuns: 120 },
      );
    });
  }

  it("unaligned halfword and word accesses: both granules checked, Device/Strongly-ordered faults UNALIGNED", () => {
    const board = STM32F407;
    const m = createMachine(board);
    m.scb.shcsr = 0x70000;
    const unaligned = fc
      .tuple(addressArb(board), fc.constantFrom(2 as const, 4 as const), fc.boolean(), fc.boolean())
      .filter(([a, size]) => a % size !== 0 && a >>> 20 !== 0xe00 && a + size - 1 <= 0xffffffff);
    fc.assert(
      fc.property(configArb(board), fc.array(unaligned, { minLength: 20, maxLength: 40 }), (cfg, accesses) => {
        program(m, cfg);
        m.core.controlNPriv = true;
        for (const [a, size, write, ldrtOnly] of accesses) {
          m.core.controlNPriv = !ldrtOnly;
          const last = a + size - 1;
          const p0 = refMpu(cfg, a);
          const p1 = refMpu(cfg, last);
          const need = write ? UW : UR;
          m.scb.cfsr = 0;
          let fault: Fault | null = null;
          try {
            if (write) size === 4 ? m.core.write32(a, 0x01020304, true) : m.core.write16(a, 0x0102, true);
            else size === 4 ? m.core.read32(a, true) : m.core.read16(a, true);
          } catch (e) {
            if (!(e instanceof Fault)) throw e;
            fault = e;
            m.core.clearFault();
          }
          const what = `${write ? "write" : "read"} ${size} at ${hex(a)}`;
          if ((p0 & need) === 0 || (p1 & need) === 0) {
            const at = (p0 & need) === 0 ? a : last - (last % 32);
            if (fault?.cause !== 4 || m.scb.cfsr !== 0x82 || m.scb.mmfar !== at) {
              throw new Error(`${what}: expected MemManage at ${hex(at)}, got ${fault?.message ?? "success"}`);
            }
          } else if ((p0 | p1) & DEVICE) {
            if (fault?.cause !== 6 || m.scb.cfsr !== 0x01000000) {
              throw new Error(`${what}: expected UsageFault UNALIGNED, got ${fault?.message ?? "success"}`);
            }
          } else if (fault !== null && fault.cause !== 5) {
            throw new Error(`${what}: unexpected ${fault.message}`);
          }
        }
        m.core.controlNPriv = false;
      }),
      { seed: 0x0a11, numRuns: 150 },
    );
  });

  it("the reference model agrees with hand-worked cases (overlap, subregions, background map, PPB)", () => {
    const cfg: Config = {
      ctrl: 5,
      regions: [
        { rbar: 0x20000000, rasr: (0b011 << 24) | (1 << 17) | (10 << 1) | 1 },
        { rbar: 0x20000000, rasr: (0b001 << 24) | (1 << 17) | (0x02 << 8) | (10 << 1) | 1 },
      ],
    };
    expect(refMpu(cfg, 0x20000000)).toBe(PR | PW | PX);
    expect(refMpu(cfg, 0x20000100)).toBe(PR | PW | PX | UR | UW | UX);
    expect(refMpu(cfg, 0x20000800)).toBe(PR | PW | PX);
    expect(refMpu({ ...cfg, ctrl: 1 }, 0x20000800)).toBe(0);
    expect(refMpu(cfg, 0x40000000)).toBe(PR | PW | DEVICE);
    expect(refCore(cfg, 0xe000ed00, 256)).toBe(PR | PW | DEVICE);
    expect(refCore({ ...cfg, ctrl: 1 }, 0x20000800, -1)).toBe(PR | PW | PX | UR | UW | UX);
  });
});
