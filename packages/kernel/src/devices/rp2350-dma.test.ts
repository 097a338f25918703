import { RP2350 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dmaKindOf } from "./dma-controller.js";
import { DMA_DRIVERS } from "./dma-driver.js";
import { dmaRig } from "./dma-test-rig.js";
import { RpDmaReg } from "./rp2040-dma.js";
import { Rp2350DmaCtrl as C, Rp2350DmaReg as R, Rp2350Dma, Rp2350DmaMpu, Rp2350Seccfg } from "./rp2350-dma.js";

const DMA = 0x50000000;
const SRAM = 0x20000000;

/** CTRL for memory to memory on the RP2350: EN, DATA_SIZE, both increments, the permanent request. */
const ctrl = (size: number, extra = 0) =>
  (C.EN | (size << C.DATA_SIZE_SHIFT) | C.INCR_READ | C.INCR_WRITE | (C.TREQ_PERMANENT << C.TREQ_SEL_SHIFT) | extra) >>>
  0;

/** The RP2350's DMA on a bare machine; `set`/`reg` privileged, `uset`/`ureg` unprivileged (a task's). */
function rig() {
  const r = dmaRig(RP2350, DMA, (env) => new Rp2350Dma("DMA", env));
  const uset = (off: number, v: number) => r.m.core.write32(DMA + off, v, true);
  const ureg = (off: number) => r.m.core.read32(DMA + off, true);
  const start = (src: number, dst: number, count: number, c = ctrl(2), set = r.set) => {
    set(R.CH0_READ_ADDR, src);
    set(R.CH0_WRITE_ADDR, dst);
    set(R.CH0_TRANS_COUNT, count);
    set(R.CH0_CTRL_TRIG, c);
  };
  return { ...r, uset, ureg, start };
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (seed + 37 * i) & 0xff);

describe("RP2350 DMA registers (datasheet 12.6.10): reset values, SECCFG_CH0 and its LOCK", () => {
  it("reset: SECCFG_CH0 0x3 (Secure, Privileged), SECCFG_IRQ0/1 0x3, SECCFG_MISC 0x3ff, the DMA MPU 0, 16 channels", () => {
    const r = rig();
    expect([r.dma.kind, dmaKindOf("DMA", "pmsav8"), dmaKindOf("DMA", "pmsav7"), dmaKindOf("DMA")]).toEqual([
      "rp2350-dma",
      "rp2350-dma",
      "rp2040-dma",
      "rp2040-dma",
    ]);
    const offs = [
      R.SECCFG_CH0,
      R.SECCFG_CH0 + 4,
      R.SECCFG_IRQ0,
      R.SECCFG_IRQ1,
      R.SECCFG_MISC,
      R.MPU_CTRL,
      R.N_CHANNELS,
    ];
    expect(offs.map(r.reg)).toEqual([3, 3, 3, 3, 0x3ff, 0, 16]);
    for (let off = R.MPU_BAR0; off <= R.MPU_LAR0 + 0x38; off += 4) expect([off, r.reg(off)]).toEqual([off, 0]);
    for (let off = 0; off < 0x40; off += 4) expect([off, r.reg(off)]).toEqual([off, 0]);
  });

  it("a task (Secure-Unprivileged) below a privileged channel: its writes are ignored and do not lock, its reads give 0", () => {
    const r = rig();
    r.uset(R.CH0_READ_ADDR, 0x2000_0100);
    r.uset(R.SECCFG_CH0, 0); // writable only at Secure-Privileged
    expect([r.reg(R.CH0_READ_ADDR), r.reg(R.SECCFG_CH0)]).toEqual([0, 3]);
    r.set(R.CH0_WRITE_ADDR, 0x2000_0200); // the privileged write succeeds, and locks SECCFG_CH0
    expect([r.reg(R.CH0_WRITE_ADDR), r.ureg(R.CH0_WRITE_ADDR), r.reg(R.SECCFG_CH0)]).toEqual([0x2000_0200, 0, 7]);
    r.set(R.SECCFG_CH0, Rp2350Seccfg.S); // locked: read-only now
    expect(r.reg(R.SECCFG_CH0)).toBe(7);
  });

  it("lowered to Secure-Unprivileged before any write: the task programs it, and its first write sets LOCK (0x6)", () => {
    const r = rig();
    r.set(R.SECCFG_CH0, Rp2350Seccfg.S);
    expect([r.reg(R.SECCFG_CH0), r.ureg(R.SECCFG_CH0)]).toEqual([2, 2]); // world-readable
    r.m.bus.load(SRAM, bytes(16));
    r.start(SRAM, SRAM + 0x100, 4, ctrl(2), r.uset);
    expect(r.reg(R.SECCFG_CH0)).toBe(Rp2350Seccfg.S | Rp2350Seccfg.LOCK);
    expect(r.ureg(R.CH0_CTRL_TRIG) >>> 0).toBe((ctrl(2) | C.BUSY) >>> 0); // BUSY is bit 26 here
    r.fire();
    expect([r.ureg(R.CH0_CTRL_TRIG) >>> 0, r.ureg(R.INTR), r.ureg(R.CH0_TRANS_COUNT), r.reg(R.CH0_READ_ADDR)]).toEqual([
      ctrl(2),
      1,
      0,
      SRAM + 16,
    ]);
    expect([...r.m.bus.peek(SRAM + 0x100, 16)]).toEqual([...bytes(16)]);
  });

  it("INTR, CHAN_ABORT and MULTI_CHAN_TRIGGER: a privileged channel's bit reads 0 and ignores a task's writes", () => {
    const r = rig();
    r.start(SRAM, SRAM + 0x100, 1);
    r.fire();
    expect([r.reg(R.INTR), r.ureg(R.INTR)]).toEqual([1, 0]);
    r.uset(R.INTR, 1);
    expect(r.reg(R.INTR)).toBe(1);
    r.set(R.CH0_TRANS_COUNT, 2);
    r.uset(R.MULTI_CHAN_TRIGGER, 1);
    expect(r.dma.busy).toBe(false);
    r.set(R.MULTI_CHAN_TRIGGER, 1);
    expect(r.dma.busy).toBe(true);
    r.uset(R.CHAN_ABORT, 1);
    expect(r.dma.busy).toBe(true);
    r.set(R.CHAN_ABORT, 1);
    expect(r.dma.busy).toBe(false);
  });

  it("SECCFG_IRQ0: INTE0/INTS0 closed to a task until lowered; a channel above the IRQ's level is masked from it", () => {
    const r = rig();
    r.uset(R.INTE0, 1);
    expect([r.reg(R.INTE0), r.ureg(R.INTE0)]).toEqual([0, 0]);
    r.set(R.INTE0, 1);
    r.start(SRAM, SRAM + 0x100, 1);
    r.fire();
    expect([r.reg(R.INTS0), r.ureg(R.INTS0)]).toEqual([1, 0]);
    r.set(R.SECCFG_IRQ0, Rp2350Seccfg.S); // IRQ 0 Secure-Unprivileged: open to a task, the privileged channel masked
    expect([r.reg(R.INTE0), r.reg(R.INTS0), r.ureg(R.INTE0), r.reg(R.SECCFG_IRQ0)]).toEqual([0, 0, 0, 2]);
  });

  it("TRANS_COUNT's MODE (bits 31:28) other than NORMAL refuses the trigger; INCR_READ_REV decrements the read address", () => {
    const r = rig();
    r.start(SRAM, SRAM + 0x100, 0xf000_0004);
    expect([r.dma.busy, r.reg(RpDmaReg.CH0_DBG_TCR) >>> 0]).toEqual([false, 0xf000_0004]);
    r.m.bus.load(SRAM + 0x10, bytes(16));
    r.start(SRAM + 0x1c, SRAM + 0x200, 4, ctrl(2, C.INCR_READ_REV));
    r.fire();
    const words = new DataView(r.m.bus.peek(SRAM + 0x200, 16).buffer);
    const src = new DataView(bytes(16).buffer);
    expect([0, 1, 2, 3].map((i) => words.getUint32(4 * i, true))).toEqual(
      [3, 2, 1, 0].map((i) => src.getUint32(4 * i, true)),
    );
    expect(r.reg(R.CH0_READ_ADDR)).toBe(SRAM + 0x0c);
  });
});

describe("RP2350 DMA MPU (datasheet 12.6.10, MPU_CTRL, MPU_BARn, MPU_LARn): each beat checked against the channel's level", () => {
  /** Region 0 over [SRAM + 0x1000, SRAM + 0x2000) Secure-Privileged, the channel Secure-Unprivileged. */
  function guarded() {
    const r = rig();
    r.set(R.MPU_BAR0, SRAM + 0x1000);
    r.set(R.MPU_LAR0, (SRAM + 0x1fe0) | Rp2350DmaMpu.LAR_S | Rp2350DmaMpu.LAR_P | Rp2350DmaMpu.LAR_EN);
    r.set(R.SECCFG_CH0, Rp2350Seccfg.S);
    return r;
  }

  it("a read crossing into a privileged region: 4 words land, READ_ERROR and AHB_ERROR, READ_ADDR the refused beat, INTR raised", () => {
    const r = guarded();
    r.m.bus.load(SRAM + 0xff0, bytes(32));
    r.start(SRAM + 0xff0, SRAM + 0x3000, 8, ctrl(2), r.uset);
    r.advance(100);
    expect([
      r.ureg(R.CH0_CTRL_TRIG) >>> 0,
      r.ureg(R.CH0_TRANS_COUNT),
      r.ureg(R.CH0_READ_ADDR),
      r.ureg(R.CH0_WRITE_ADDR),
      r.ureg(R.INTR),
    ]).toEqual([(ctrl(2) | C.READ_ERROR | C.AHB_ERROR) >>> 0, 4, SRAM + 0x1000, SRAM + 0x3010, 1]);
    expect(r.dma.lastError).toEqual({ address: SRAM + 0x1000, access: "read", reason: "dma-mpu" });
    expect([...r.m.bus.peek(SRAM + 0x3000, 20)]).toEqual([...bytes(16), 0, 0, 0, 0]);
  });

  it("a write into it: WRITE_ERROR at the first beat, nothing written; the same copy by a Secure-Privileged channel completes", () => {
    const r = guarded();
    r.m.bus.load(SRAM, bytes(16));
    r.start(SRAM, SRAM + 0x1800, 4, ctrl(2), r.uset);
    r.advance(100);
    expect([r.ureg(R.CH0_CTRL_TRIG) >>> 0, r.ureg(R.CH0_TRANS_COUNT)]).toEqual([
      (ctrl(2) | C.WRITE_ERROR | C.AHB_ERROR) >>> 0,
      4,
    ]);
    expect(r.dma.lastError).toEqual({ address: SRAM + 0x1800, access: "write", reason: "dma-mpu" });
    expect([...r.m.bus.peek(SRAM + 0x1800, 4)]).toEqual([0, 0, 0, 0]);

    const p = rig(); // reset: Secure-Privileged, and the same region
    p.set(R.MPU_BAR0, SRAM + 0x1000);
    p.set(R.MPU_LAR0, (SRAM + 0x1fe0) | 7);
    p.m.bus.load(SRAM, bytes(16));
    p.start(SRAM, SRAM + 0x1800, 4);
    p.fire();
    expect([p.reg(R.CH0_CTRL_TRIG) >>> 0, [...p.m.bus.peek(SRAM + 0x1800, 16)]]).toEqual([ctrl(2), [...bytes(16)]]);
  });

  it("MPU_CTRL's S and P give addresses no region covers: Secure-Privileged refuses a Secure-Unprivileged channel everywhere", () => {
    const r = rig();
    r.set(R.SECCFG_CH0, Rp2350Seccfg.S);
    r.set(R.MPU_CTRL, Rp2350DmaMpu.CTRL_P); // Non-secure-Privileged (level 1) is below the channel's (2)
    expect((r.dma as Rp2350Dma).levelAt(SRAM)).toBe(1);
    r.start(SRAM, SRAM + 0x100, 1, ctrl(2), r.uset);
    r.fire();
    expect(r.ureg(R.CH0_CTRL_TRIG) >>> 0).toBe(ctrl(2));
    r.set(R.MPU_CTRL, Rp2350DmaMpu.CTRL_S | Rp2350DmaMpu.CTRL_P);
    r.uset(R.CH0_CTRL_TRIG, ctrl(2) | C.READ_ERROR);
    r.advance(100);
    expect([r.reg(R.MPU_CTRL), r.ureg(R.CH0_CTRL_TRIG) >>> 0]).toEqual([
      6,
      (ctrl(2) | C.READ_ERROR | C.AHB_ERROR) >>> 0,
    ]);
  });

  it("the lowered channel's beats into the DMA's own security registers are ignored, word or byte wide", () => {
    const r = guarded();
    const words = new Uint8Array(new Uint32Array([0x3, 0x0, 0x6, 0x0]).buffer);
    r.m.bus.load(SRAM, words);
    const lar0 = r.reg(R.MPU_LAR0);
    // One word each into SECCFG_CH0 (S+P), MPU_LAR0 (region 0 off), MPU_CTRL (all Secure-Privileged), SECCFG_IRQ0.
    const targets = [R.SECCFG_CH0, R.MPU_LAR0, R.MPU_CTRL, R.SECCFG_IRQ0];
    targets.forEach((off, i) => {
      r.start(SRAM + 4 * i, DMA + off, 1, ctrl(2), r.uset);
      r.fire();
      expect([off, r.ureg(R.CH0_CTRL_TRIG) >>> 0]).toEqual([off, ctrl(2)]); // completed: no bus error, the write dropped
    });
    // A byte (replicated across the word, as the RP-series IO registers take narrow writes).
    r.start(SRAM, DMA + R.SECCFG_CH0, 1, ctrl(0), r.uset);
    r.fire();
    expect(targets.map(r.reg)).toEqual([Rp2350Seccfg.S | Rp2350Seccfg.LOCK, lar0, 0, 3]);
    expect((r.dma as Rp2350Dma).levelAt(SRAM + 0x1000)).toBe(3);
  });

  it("a task may neither read nor write the DMA MPU; BAR keeps bits 31:5 and LAR bits 31:5 and 2:0", () => {
    const r = rig();
    r.uset(R.MPU_BAR0, SRAM);
    r.uset(R.MPU_CTRL, 6);
    r.set(R.MPU_BAR0 + 8, 0xffff_ffff);
    r.set(R.MPU_LAR0 + 8, 0xffff_ffff);
    expect([r.reg(R.MPU_BAR0), r.reg(R.MPU_CTRL), r.ureg(R.MPU_BAR0 + 8)]).toEqual([0, 0, 0]);
    expect([r.reg(R.MPU_BAR0 + 8) >>> 0, r.reg(R.MPU_LAR0 + 8) >>> 0]).toEqual([0xffff_ffe0, 0xffff_ffe7]);
  });

  it("the driver's prepare: one Secure-Privileged region per range, then SECCFG_CH0 = S; its copy then runs unprivileged", () => {
    const r = rig();
    const port = r.kernel;
    const drv = DMA_DRIVERS["rp2350-dma"];
    drv.prepare!(port, DMA, [
      { base: SRAM + 0x4000, size: 0x4000 },
      { base: SRAM, size: 0x2000 },
    ]);
    const regs = [R.SECCFG_CH0, R.MPU_BAR0, R.MPU_LAR0, R.MPU_BAR0 + 8, R.MPU_LAR0 + 8, R.MPU_LAR0 + 16];
    expect(regs.map(r.reg)).toEqual([2, SRAM + 0x4000, (SRAM + 0x7fe0) | 7, SRAM, (SRAM + 0x1fe0) | 7, 0]);
    r.m.bus.load(SRAM + 0x2000, bytes(8));
    const task = r.task;
    drv.start(task, DMA, { src: SRAM + 0x2000, dst: SRAM + 0x3000, bytes: 8, size: 2 });
    r.fire();
    expect([drv.flags(task, DMA), [...r.m.bus.peek(SRAM + 0x3000, 8)]]).toEqual([drv.doneFlag, [...bytes(8)]]);
    drv.start(task, DMA, { src: SRAM + 0x4000, dst: SRAM + 0x3000, bytes: 8, size: 2 });
    r.advance(100);
    expect(drv.flags(task, DMA)).toBe(C.READ_ERROR);
  });

  it("the driver's prepare covers a range whose ends are off a 32-byte granule whole, and one under 32 bytes", () => {
    const r = rig();
    const port = r.kernel;
    const drv = DMA_DRIVERS["rp2350-dma"];
    drv.prepare!(port, DMA, [
      { base: SRAM + 0x10, size: 0x1008 }, // [SRAM + 0x10, SRAM + 0x1018): granules SRAM .. SRAM + 0x1000
      { base: SRAM + 0x4000, size: 8 }, // one granule
      { base: SRAM + 0x5000, size: 0 }, // nothing: region 2 stays disabled
    ]);
    const regs = [R.MPU_BAR0, R.MPU_LAR0, R.MPU_BAR0 + 8, R.MPU_LAR0 + 8, R.MPU_BAR0 + 16, R.MPU_LAR0 + 16];
    expect(regs.map(r.reg)).toEqual([SRAM, (SRAM + 0x1000) | 7, SRAM + 0x4000, (SRAM + 0x4000) | 7, 0, 0]);
    const dma = r.dma as Rp2350Dma;
    expect(
      [SRAM + 0x1017, SRAM + 0x101f, SRAM + 0x1020, SRAM + 0x4007, SRAM + 0x5000].map((a) => dma.levelAt(a)),
    ).toEqual([3, 3, 0, 3, 0]);
    const task = r.task;
    // The range's last word, read by the lowered channel: refused, nothing written.
    drv.start(task, DMA, { src: SRAM + 0x1014, dst: SRAM + 0x3000, bytes: 4, size: 2 });
    r.advance(100);
    expect([drv.flags(task, DMA), r.dma.lastError]).toEqual([
      C.READ_ERROR,
      { address: SRAM + 0x1014, access: "read", reason: "dma-mpu" },
    ]);
    expect([...r.m.bus.peek(SRAM + 0x3000, 4)]).toEqual([0, 0, 0, 0]);
  });
});

describe("RP2350 DMA MPU: a span's refusal from the regions", () => {
  it("is what checking every 32-byte granule with levelAt gives (regions, MPU_CTRL and spans at random, the wrap past 2^32 too)", () => {
    const windows = [0x2000_0000, 0xffff_f000];
    const region = fc.record({
      lo: fc.integer({ min: 0, max: 0xfff }),
      span: fc.integer({ min: -64, max: 0x800 }),
      bits: fc.integer({ min: 0, max: 7 }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...windows),
        fc.array(region, { maxLength: 8 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 0xfff }),
        fc.integer({ min: 1, max: 0x1400 }),
        (window, regions, ctrlBits, chan, at, length) => {
          const r = rig();
          regions.forEach((g, n) => {
            r.set(R.MPU_BAR0 + 8 * n, (window + g.lo) >>> 0);
            r.set(R.MPU_LAR0 + 8 * n, ((window + g.lo + g.span) >>> 0) | g.bits);
          });
          r.set(R.MPU_CTRL, ctrlBits << 1);
          r.set(R.SECCFG_CH0, chan);
          const dma = r.dma as Rp2350Dma;
          const address = (window + at) >>> 0;
          let expected = false;
          for (let a = Math.floor(address / 32) * 32; a <= address + length - 1; a += 32) {
            if (dma.levelAt(a >>> 0) > chan) expected = true;
          }
          const refuses = (dma as unknown as { refuses(a: number, l: number, w: boolean): boolean }).refuses(
            address,
            length,
            false,
          );
          expect([address, length, refuses]).toEqual([address, length, expected]);
        },
      ),
      { seed: 2350, numRuns: 400 },
    );
  });

  it("the driver's prepare refuses more ranges than the DMA MPU's eight regions, writing nothing", () => {
    const r = rig();
    const port = r.kernel;
    const ranges = Array.from({ length: 9 }, (_, i) => ({ base: SRAM + 0x100 * i, size: 0x20 }));
    expect(() => DMA_DRIVERS["rp2350-dma"].prepare!(port, DMA, ranges)).toThrow(
      expect.objectContaining({ code: "BAD_CONFIG", context: expect.objectContaining({ ranges: 9, regions: 8 }) }),
    );
    expect([R.MPU_BAR0, R.MPU_LAR0, R.SECCFG_CH0].map(r.reg)).toEqual([0, 0, 3]);
  });
});
