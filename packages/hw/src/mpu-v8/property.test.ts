import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defineBoard } from "../board/define.js";
import { createMachine, type Machine } from "../machine.js";
import { MpuV8Reg as R } from "./fields.js";

/**
 * Property: for random PMSAv8 configurations and random addresses, the model's decision (its
 * `decide` and the core's view through the precomputed table, `permissionAt`) equals a small
 * reference written here from the architecture's MPU check (ARMv8-M ARM, the MPU lookup of
 * `SecurityCheck`/`MPUCheck`): count the enabled regions that match; two or more fault; none
 * gives the default map to privileged code with PRIVDEFENA; one gives its AP, XN, PXN.
 */

// Permission bits, spelled out again (same values as `Perm`).
const PR = 1;
const PW = 2;
const PX = 4;
const UR = 8;
const UW = 16;
const UX = 32;
const DEVICE = 64;

interface Region {
  enabled: boolean;
  base: number;
  limit: number;
  ap: number;
  xn: boolean;
  pxn: boolean;
  attrIndex: number;
}

interface Config {
  enable: boolean;
  privdefena: boolean;
  mair: number[];
  regions: Region[];
}

/** MAIR Attr<n> as the spec defines it: Device when bits [7:4] are 0; UNPREDICTABLE taken as Device. */
function isDevice(attr: number): boolean {
  return (attr & 0xf0) === 0 || (attr & 0x0f) === 0;
}

/** One question to the reference: may (privileged?) code (kind) address `a`? */
function allowed(c: Config, a: number, privileged: boolean, kind: "r" | "w" | "x", pxnImplemented: boolean): boolean {
  if (!c.enable) return kind !== "x"; // default map over SRAM: all allowed (SRAM is executable)
  const hits = c.regions.filter((r) => r.enabled && r.base <= a && a <= (r.limit | 0x1f));
  if (hits.length > 1) return false;
  if (hits.length === 0) return privileged && c.privdefena;
  const r = hits[0]!;
  const canRead = privileged || (r.ap & 1) === 1;
  const canWrite = (r.ap & 2) === 0 && (privileged || r.ap === 1);
  if (kind === "r") return canRead;
  if (kind === "w") return canWrite;
  const device = isDevice(c.mair[r.attrIndex]!);
  return canRead && !r.xn && !(privileged && pxnImplemented && r.pxn) && !device;
}

function deviceAt(c: Config, a: number): boolean {
  if (!c.enable) return false;
  const hits = c.regions.filter((r) => r.enabled && r.base <= a && a <= (r.limit | 0x1f));
  return hits.length === 1 && isDevice(c.mair[hits[0]!.attrIndex]!);
}

function expected(c: Config, a: number, pxnImplemented: boolean): number {
  let p = 0;
  const q = (priv: boolean, kind: "r" | "w" | "x") => allowed(c, a, priv, kind, pxnImplemented);
  if (q(true, "r")) p |= PR;
  if (q(true, "w")) p |= PW;
  if (q(true, "x")) p |= PX;
  if (q(false, "r")) p |= UR;
  if (q(false, "w")) p |= UW;
  if (q(false, "x")) p |= UX;
  if (deviceAt(c, a)) p |= DEVICE;
  if (!c.enable) p |= PX | UX; // default map: SRAM is executable
  return p;
}

const WINDOW = 0x20000000;
const GRANULES = 96; // 3 KiB of SRAM

const regionArb = fc.record({
  enabled: fc.boolean(),
  base: fc.integer({ min: 0, max: GRANULES - 1 }).map((g) => WINDOW + 32 * g),
  limit: fc.integer({ min: 0, max: GRANULES - 1 }).map((g) => WINDOW + 32 * g),
  ap: fc.integer({ min: 0, max: 3 }),
  xn: fc.boolean(),
  pxn: fc.boolean(),
  attrIndex: fc.integer({ min: 0, max: 7 }),
});

const configArb = (regionCount: number) =>
  fc.record({
    enable: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
    privdefena: fc.boolean(),
    mair: fc.array(fc.constantFrom(0x00, 0x04, 0x08, 0x0c, 0xee, 0xff, 0x44, 0xaa, 0x01, 0x40), {
      minLength: 8,
      maxLength: 8,
    }),
    regions: fc.array(regionArb, { minLength: 1, maxLength: regionCount }),
  });

function program(m: Machine<"pmsav8">, c: Config): void {
  const mair = [0, 0];
  c.mair.forEach((attr, i) => {
    mair[i >>> 2]! |= attr << (8 * (i & 3));
  });
  m.core.write32(R.MAIR0, mair[0]! >>> 0);
  m.core.write32(R.MAIR1, mair[1]! >>> 0);
  for (let n = 0; n < m.mpu.regionCount; n++) {
    const r = c.regions[n];
    m.core.write32(R.RNR, n);
    m.core.write32(R.RBAR, r ? (r.base | (r.ap << 1) | (r.xn ? 1 : 0)) >>> 0 : 0);
    m.core.write32(R.RLAR, r ? (r.limit | (r.pxn ? 0x10 : 0) | (r.attrIndex << 1) | (r.enabled ? 1 : 0)) >>> 0 : 0);
  }
  m.core.write32(R.CTRL, (c.enable ? 1 : 0) | (c.privdefena ? 4 : 0));
}

function check(core: "cortex-m33" | "cortex-m55", regionCount: 8 | 16): void {
  const board = defineBoard({
    name: `v8-property-${core}`,
    core,
    mpuRegions: regionCount,
    memory: [{ name: "SRAM", start: WINDOW, size: 0x10000 }],
  });
  const m = createMachine(board);
  const pxn = core === "cortex-m55";
  fc.assert(
    fc.property(
      configArb(regionCount),
      fc.array(fc.integer({ min: -2, max: GRANULES + 2 }), { minLength: 1, maxLength: 24 }),
      fc.nat({ max: 31 }),
      (config, granules, offset) => {
        program(m, config);
        for (const g of granules) {
          const a = WINDOW + 32 * g + offset;
          const want = expected(config, a, pxn);
          expect(m.mpu.decide(a), `decide 0x${a.toString(16)}`).toBe(want);
          expect(m.core.permissionAt(a), `table 0x${a.toString(16)}`).toBe(want);
        }
      },
    ),
    { seed: 0x706d7361, numRuns: 300 },
  );
}

describe("PMSAv8 property: the model decides as the architecture's MPU check", () => {
  it("Cortex-M33 (ARMv8.0-M, PXN RES0), 8 regions", () => check("cortex-m33", 8));
  it("Cortex-M55 (ARMv8.1-M, PXN), 16 regions", () => check("cortex-m55", 16));
});
