import { describe, expect, it } from "vitest";
import { defineBoard } from "../board/define.js";
import type { ConfigWarning } from "../events.js";
import { Fault } from "../fault.js";
import { createMachine, type Machine } from "../machine.js";
import { Perm } from "../mpu/perm.js";
import { MpuV8Reg as R } from "./fields.js";

/**
 * PMSAv8 decisions from the architecture's rules (ARMv8-M ARM B8.2, the MPU chapter of the
 * Cortex-M33/M55 TRMs; facts collected in docs/mpu-model.md), through register writes at the PPB
 * addresses and checked accesses of the core: region edges at 32-byte granularity, the overlap
 * fault, AP x XN at both privileges, PXN, system-space XN, PRIVDEFENA, HFNMIENA, MAIR types.
 */

/** Small boards (fast to build): 64 KiB flash, 64 KiB SRAM, a peripheral range. */
const M33 = defineBoard({
  name: "v8-test-m33",
  core: "cortex-m33",
  memory: [
    { name: "Flash", kind: "flash", start: 0x08000000, size: 0x10000 },
    { name: "SRAM", start: 0x20000000, size: 0x10000 },
  ],
  peripherals: [{ name: "APB", start: 0x40000000, size: 0x10000 }],
});
const M55 = defineBoard({ ...M33, name: "v8-test-m55", core: "cortex-m55" });

const SHCSR = 0xe000ed24;
const EN = 1;

type Outcome = "ok" | string;

function setup(board = M33): { m: Machine<"pmsav8">; warnings: ConfigWarning[] } {
  const m = createMachine(board);
  const warnings: ConfigWarning[] = [];
  m.events.on("warning", (w) => warnings.push(w));
  m.core.write32(SHCSR, 0x70000); // MemManage, BusFault, UsageFault enabled
  // MAIR is UNKNOWN at reset (the model: 0, Device-nGnRnE); Attr0 := Normal write-back.
  m.core.write32(R.MAIR0, 0xee);
  return { m, warnings };
}

/** Programs region `n` through RNR/RBAR/RLAR (privileged). */
function region(m: Machine<"pmsav8">, n: number, rbar: number, rlar: number): void {
  m.core.write32(R.RNR, n);
  m.core.write32(R.RBAR, rbar >>> 0);
  m.core.write32(R.RLAR, rlar >>> 0);
}

/** Runs `fn` with the given privilege; "ok", or the fault as "<exception name>:<CFSR hex>[@MMFAR]". */
function outcome(m: Machine<"pmsav8">, privileged: boolean, fn: () => unknown): Outcome {
  m.core.controlNPriv = !privileged;
  try {
    fn();
    return "ok";
  } catch (e) {
    if (!(e instanceof Fault)) throw e;
    const out = `${e.cause}:${e.cfsr.toString(16)}${e.faultAddress !== null ? `@${e.faultAddress.toString(16)}` : ""}`;
    m.core.clearFault();
    m.scb.cfsr = 0;
    return out;
  } finally {
    m.core.controlNPriv = false;
  }
}

const read = (m: Machine<"pmsav8">, a: number) => () => m.core.read32(a);
const write = (m: Machine<"pmsav8">, a: number) => () => m.core.write32(a, 0x5a5a5a5a);
const fetch = (m: Machine<"pmsav8">, a: number) => () => m.core.fetch(a);

describe("PMSAv8 region match: [BASE, LIMIT | 0x1F] at 32-byte granularity", () => {
  it("96 bytes from 0x20000120 (no power of two, not aligned on its size): the first and last byte match, the neighbours not", () => {
    const { m } = setup();
    region(m, 0, 0x20000120 | (1 << 1) | 1, 0x20000160 | EN); // AP=01 (RW both), XN; LIMIT 0x20000160 -> 0x2000017f
    m.core.write32(R.CTRL, 1);
    expect(outcome(m, false, read(m, 0x20000120))).toBe("ok");
    expect(outcome(m, false, () => m.core.read8(0x2000017f))).toBe("ok");
    expect(outcome(m, false, read(m, 0x2000011c))).toBe("4:82@2000011c");
    expect(outcome(m, false, read(m, 0x20000180))).toBe("4:82@20000180");
    // An unaligned word across the limit faults in its denied granule.
    expect(outcome(m, false, read(m, 0x2000017e))).toBe("4:82@20000180");
    expect(m.mpu.region(0)).toMatchObject({ base: 0x20000120, limit: 0x2000017f, size: 0x60 });
  });

  it("a region with BASE > LIMIT matches nothing", () => {
    const { m } = setup();
    region(m, 0, 0x20000200 | (1 << 1), 0x20000100 | EN);
    m.core.write32(R.CTRL, 1 | 4);
    expect(outcome(m, false, read(m, 0x20000200))).toBe("4:82@20000200");
    expect(outcome(m, false, read(m, 0x20000100))).toBe("4:82@20000100");
    expect(outcome(m, true, write(m, 0x20000100))).toBe("ok"); // background
    expect(m.mpu.region(0).size).toBe(0);
  });

  it("two enabled regions matching an address: MemManage for every access, privileged too, whatever their numbers", () => {
    const { m } = setup();
    region(m, 0, 0x20000100 | (1 << 1), 0x200001e0 | EN); // [0x100, 0x1ff] RW both, executable
    region(m, 5, 0x20000180 | (1 << 1), 0x20000260 | EN); // [0x180, 0x27f] RW both, executable
    m.core.write32(R.CTRL, 1 | 4); // PRIVDEFENA: the background does not help either
    for (const privileged of [false, true]) {
      expect(outcome(m, privileged, read(m, 0x20000180))).toBe("4:82@20000180");
      expect(outcome(m, privileged, write(m, 0x200001fc))).toBe("4:82@200001fc");
      expect(outcome(m, privileged, fetch(m, 0x200001a0))).toBe("4:1");
      expect(outcome(m, privileged, read(m, 0x2000017c))).toBe("ok");
      expect(outcome(m, privileged, read(m, 0x20000200))).toBe("ok");
    }
    expect(m.mpu.decide(0x20000180)).toBe(0);
    // Disabling one of them ends the overlap.
    m.core.write32(R.RNR, 5);
    m.core.write32(R.RLAR, 0x20000260);
    expect(outcome(m, false, read(m, 0x20000180))).toBe("ok");
  });

  it("an unaligned access across two adjacent regions passes; into an overlap it faults at the overlap's first byte, writing nothing", () => {
    const { m } = setup();
    region(m, 0, 0x20000100 | (1 << 1) | 1, 0x20000100 | EN); // [0x100, 0x11f] RW both, XN
    region(m, 1, 0x20000120 | (1 << 1) | 1, 0x20000120 | EN); // [0x120, 0x13f] RW both, XN
    m.core.write32(R.CTRL, 1);
    expect(outcome(m, false, () => m.core.write32(0x2000011e, 0x04030201))).toBe("ok");
    expect([...m.bus.peek(0x2000011e, 4)]).toEqual([1, 2, 3, 4]);
    // Region 2 overlaps region 1's granule [0x120, 0x13f]: the second part of the access is denied.
    region(m, 2, 0x20000120 | (1 << 1) | 1, 0x20000120 | EN);
    expect(outcome(m, false, () => m.core.write32(0x2000011e, 0xffffffff))).toBe("4:82@20000120");
    expect(outcome(m, true, read(m, 0x2000011e))).toBe("4:82@20000120");
    expect([...m.bus.peek(0x2000011e, 4)]).toEqual([1, 2, 3, 4]);
  });
});

describe("PMSAv8 AP[2:1] x XN at both privilege levels", () => {
  // AP: 00 privileged RW, 01 RW both, 10 privileged RO, 11 RO both.
  const rows = [
    { ap: 0, pr: true, pw: true, ur: false, uw: false },
    { ap: 1, pr: true, pw: true, ur: true, uw: true },
    { ap: 2, pr: true, pw: false, ur: false, uw: false },
    { ap: 3, pr: true, pw: false, ur: true, uw: false },
  ];
  for (const row of rows) {
    for (const xn of [false, true]) {
      it(`AP=${row.ap.toString(2).padStart(2, "0")} XN=${+xn}`, () => {
        const { m } = setup();
        region(m, 2, 0x20000000 | (row.ap << 1) | (xn ? 1 : 0), 0x20000fe0 | EN);
        m.core.write32(R.CTRL, 1);
        const A = 0x20000400;
        const data = (ok: boolean) => (ok ? "ok" : `4:82@${A.toString(16)}`);
        const exec = (ok: boolean) => (ok ? "ok" : "4:1");
        expect(outcome(m, true, read(m, A))).toBe(data(row.pr));
        expect(outcome(m, true, write(m, A))).toBe(data(row.pw));
        expect(outcome(m, true, fetch(m, A))).toBe(exec(row.pr && !xn));
        expect(outcome(m, false, read(m, A))).toBe(data(row.ur));
        expect(outcome(m, false, write(m, A))).toBe(data(row.uw));
        expect(outcome(m, false, fetch(m, A))).toBe(exec(row.ur && !xn));
      });
    }
  }
});

describe("PMSAv8 PXN (ARMv8.1-M) and system-space execute-never", () => {
  it("Cortex-M55: PXN = 1 stops privileged fetches only", () => {
    const { m } = setup(M55);
    region(m, 0, 0x20000000 | (1 << 1), 0x20000fe0 | 0x10 | EN);
    m.core.write32(R.CTRL, 1);
    expect(outcome(m, true, fetch(m, 0x20000100))).toBe("4:1");
    expect(outcome(m, false, fetch(m, 0x20000100))).toBe("ok");
    expect(outcome(m, true, read(m, 0x20000100))).toBe("ok");
  });

  it("Cortex-M33 (ARMv8.0-M): PXN is RES0, privileged fetches stay allowed", () => {
    const { m } = setup(M33);
    region(m, 0, 0x20000000 | (1 << 1), 0x20000fe0 | 0x10 | EN);
    m.core.write32(R.CTRL, 1);
    expect(outcome(m, true, fetch(m, 0x20000100))).toBe("ok");
  });

  it("0xE0000000 and up is execute-never whatever a region says", () => {
    const { m } = setup();
    region(m, 0, 0xe0100000 | (1 << 1), 0xe01fffe0 | EN);
    m.core.write32(R.CTRL, 1);
    expect(m.mpu.decide(0xe0100000) & (Perm.PX | Perm.UX)).toBe(0);
    expect(m.mpu.decide(0xe0100000) & (Perm.UR | Perm.UW)).toBe(Perm.UR | Perm.UW);
    expect(outcome(m, true, fetch(m, 0xe0100000))).toBe("4:1");
  });
});

describe("PMSAv8 background region, HFNMIENA, MPU off", () => {
  it("PRIVDEFENA gives privileged code the default map where no region matches; unprivileged code never", () => {
    const { m } = setup();
    m.core.write32(R.CTRL, 1);
    expect(outcome(m, true, read(m, 0x20000000))).toBe("4:82@20000000");
    m.core.write32(R.CTRL, 1 | 4);
    expect(outcome(m, true, write(m, 0x20000000))).toBe("ok");
    expect(outcome(m, true, fetch(m, 0x08000000))).toBe("ok");
    expect(outcome(m, true, fetch(m, 0x40000000))).toBe("4:1"); // Peripheral: XN in the default map
    expect(outcome(m, false, read(m, 0x20000000))).toBe("4:82@20000000");
  });

  it("HFNMIENA = 0: handlers at priority < 0 use the default map; HFNMIENA = 1: the MPU applies (a fault is lockup)", () => {
    const { m } = setup();
    m.core.write32(R.CTRL, 1); // no region, no background
    m.core.mode = "handler";
    m.core.executionPriority = -1;
    expect(m.core.read32(0x20000000)).toBe(0);
    m.core.executionPriority = 0;
    m.core.write32(R.CTRL, 1 | 2);
    m.core.executionPriority = -1;
    let f: unknown;
    try {
      m.core.read32(0x20000000);
    } catch (e) {
      f = e;
    }
    expect(f).toBeInstanceOf(Fault);
    expect((f as Fault).lockup).toBe(true);
  });

  it("MPU off: the default map for everyone", () => {
    const { m } = setup();
    region(m, 0, 0x20000000, 0x20000000 | EN); // priv RW only, but the MPU is off
    expect(outcome(m, false, write(m, 0x20000000))).toBe("ok");
    expect(outcome(m, false, fetch(m, 0x40000000))).toBe("4:1");
  });
});

describe("PMSAv8 MAIR attributes", () => {
  it("every Device type (nGnRnE, nGnRE, nGRE, GRE) makes unaligned accesses UsageFault UNALIGNED; Normal does not", () => {
    for (const [attr, unalignedFaults] of [
      [0x00, true],
      [0x04, true],
      [0x08, true],
      [0x0c, true],
      [0xee, false],
      [0x44, false],
    ] as const) {
      const { m } = setup();
      m.mpu.setMair(1, attr);
      region(m, 0, 0x20000000 | (1 << 1) | 1, 0x20000fe0 | (1 << 1) | EN);
      m.core.write32(R.CTRL, 1);
      expect(outcome(m, false, read(m, 0x20000100))).toBe("ok");
      expect(outcome(m, false, read(m, 0x20000101))).toBe(unalignedFaults ? "6:1000000" : "ok");
      expect(outcome(m, false, () => m.core.read16(0x20000103))).toBe(unalignedFaults ? "6:1000000" : "ok");
    }
  });

  it("UNPREDICTABLE encodings (0b0000dd01.., outer != 0 with inner 0) act as Device-nGnRnE, with a warning", () => {
    for (const attr of [0x01, 0x06, 0x40]) {
      const { m, warnings } = setup();
      m.mpu.setMair(0, attr);
      region(m, 0, 0x20000000 | (1 << 1) | 1, 0x20000fe0 | EN);
      m.core.write32(R.CTRL, 1);
      expect(warnings.map((w) => w.code)).toContain("MPU_MAIR_RESERVED");
      expect(outcome(m, false, read(m, 0x20000101))).toBe("6:1000000");
      expect(m.mpu.region(0).attributes.type).toBe("strongly-ordered");
    }
  });

  it("a fetch from Device memory (XN = 0): IACCVIOL, with a warning (the architecture leaves it UNPREDICTABLE)", () => {
    const { m, warnings } = setup();
    m.mpu.setMair(0, 0x04);
    region(m, 0, 0x20000000 | (1 << 1), 0x20000fe0 | EN);
    m.core.write32(R.CTRL, 1);
    expect(warnings.map((w) => w.code)).toEqual(["MPU_DEVICE_EXECUTABLE"]);
    expect(outcome(m, true, fetch(m, 0x20000100))).toBe("4:1");
  });

  it("SH = 01 is reserved: a warning, treated as non-shareable", () => {
    const { m, warnings } = setup();
    m.mpu.setMair(0, 0xee);
    region(m, 0, 0x20000000 | (1 << 3) | (1 << 1), 0x20000fe0 | EN);
    expect(warnings.map((w) => w.code)).toEqual(["MPU_SH_RESERVED"]);
    expect(m.mpu.region(0).shareability).toBe("reserved");
  });

  it("decodes Normal cache policies (outer, inner)", () => {
    const { m } = setup();
    m.mpu.setMair(0, 0xf4);
    region(m, 0, 0x20000000 | (3 << 3), 0x20000fe0 | EN);
    expect(m.mpu.region(0).attributes).toEqual({
      type: "normal",
      shareable: true,
      inner: "non-cacheable",
      outer: "write-back, read and write allocate",
      reserved: false,
    });
  });
});
