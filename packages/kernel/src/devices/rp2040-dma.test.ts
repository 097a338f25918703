import { RP2040 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { dmaKindOf } from "./dma-controller.js";
import { DMA_DRIVERS } from "./dma-driver.js";
import { dmaRig } from "./dma-test-rig.js";
import { Rp2040Dma, RpDmaCtrl, RpDmaReg } from "./rp2040-dma.js";

const DMA = 0x50000000;
const SRAM = 0x20000000;

/** CTRL for memory to memory: EN, DATA_SIZE, both increments, the permanent request, CHAIN_TO 0 (itself). */
const ctrl = (size: number, extra = 0) =>
  (RpDmaCtrl.EN |
    (size << RpDmaCtrl.DATA_SIZE_SHIFT) |
    RpDmaCtrl.INCR_READ |
    RpDmaCtrl.INCR_WRITE |
    (RpDmaCtrl.TREQ_PERMANENT << RpDmaCtrl.TREQ_SEL_SHIFT) |
    extra) >>>
  0;

/** The RP2040's DMA on a bare machine, its clock and alarm in the test's hands. */
function rig() {
  const r = dmaRig(RP2040, DMA, (env) => new Rp2040Dma("DMA", env));
  /** READ_ADDR, WRITE_ADDR, TRANS_COUNT, then CTRL_TRIG (the trigger). */
  const start = (src: number, dst: number, count: number, c = ctrl(2)) => {
    r.set(RpDmaReg.CH0_READ_ADDR, src);
    r.set(RpDmaReg.CH0_WRITE_ADDR, dst);
    r.set(RpDmaReg.CH0_TRANS_COUNT, count);
    r.set(RpDmaReg.CH0_CTRL_TRIG, c);
  };
  return { ...r, start };
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (seed + 37 * i) & 0xff);

describe("RP2040 DMA registers (datasheet 2.5): reset values, aliases, narrow writes, interrupts", () => {
  it("reset: every register 0 but N_CHANNELS (12); the block is 4 KiB; the kind is picked for a device named DMA", () => {
    const r = rig();
    expect([r.dma.size, r.dma.kind, dmaKindOf("DMA"), dmaKindOf("DMA2"), dmaKindOf("GPDMA1")]).toEqual([
      0x1000,
      "rp2040-dma",
      "rp2040-dma",
      "stm32-dma",
      "stm32-gpdma",
    ]);
    for (let off = 0; off < 0x40; off += 4) expect([off, r.reg(off)]).toEqual([off, 0]);
    for (const off of [0x400, 0x404, 0x408, 0x40c, 0x414, 0x418, 0x41c, 0x430, 0x434, 0x438, 0x444, 0x804]) {
      expect([off, r.reg(off)]).toEqual([off, 0]);
    }
    expect(r.reg(RpDmaReg.N_CHANNELS)).toBe(12);
  });

  it("the aliases reach the same four registers; CTRL keeps bits 23:0 (BUSY and the errors not writable); channel 1 reads 0", () => {
    const r = rig();
    r.set(RpDmaReg.CH0_AL1_READ_ADDR, 0x2000_0100);
    r.set(RpDmaReg.CH0_AL3_WRITE_ADDR, 0x2000_0200);
    r.set(RpDmaReg.CH0_AL2_TRANS_COUNT, 7);
    r.set(RpDmaReg.CH0_AL1_CTRL, 0xffff_fffe); // EN clear: no trigger through the non-trigger alias anyway
    expect([r.reg(0x00), r.reg(0x28), r.reg(0x04), r.reg(0x18), r.reg(0x0c), r.reg(0x30)]).toEqual([
      0x2000_0100, 0x2000_0100, 0x2000_0200, 0x2000_0200, 0x00ff_fffe, 0x00ff_fffe,
    ]);
    // TRANS_COUNT written sets the reload value (CH0_DBG_TCR); the live count stays until a trigger
    expect([r.reg(RpDmaReg.CH0_TRANS_COUNT), r.reg(RpDmaReg.CH0_DBG_TCR)]).toEqual([0, 7]);
    r.set(0x40, 0x2000_0000); // channel 1's READ_ADDR: not modelled
    expect(r.reg(0x40)).toBe(0);
  });

  it("a byte or halfword store writes its data replicated across the whole register (datasheet 2.1.4); narrow reads take their lanes", () => {
    const r = rig();
    r.m.core.write8(DMA + RpDmaReg.CH0_READ_ADDR + 1, 0x12);
    expect(r.reg(RpDmaReg.CH0_READ_ADDR)).toBe(0x1212_1212);
    r.m.core.write16(DMA + RpDmaReg.CH0_WRITE_ADDR + 2, 0x2000);
    expect(r.reg(RpDmaReg.CH0_WRITE_ADDR)).toBe(0x2000_2000);
    expect(r.m.core.read8(DMA + RpDmaReg.CH0_WRITE_ADDR + 3)).toBe(0x20);
    expect(r.m.core.read16(DMA + RpDmaReg.CH0_WRITE_ADDR)).toBe(0x2000);
  });

  it("the last beat clears BUSY and raises INTR bit 0; INTS0 = INTR & INTE0; a 1 written to INTR or INTS0 clears it", () => {
    const r = rig();
    r.start(SRAM, SRAM + 0x100, 4);
    expect(r.reg(RpDmaReg.CH0_CTRL_TRIG)).toBe((ctrl(2) | RpDmaCtrl.BUSY) >>> 0);
    r.advance(8);
    expect([r.reg(RpDmaReg.CH0_CTRL_TRIG), r.reg(RpDmaReg.INTR), r.reg(RpDmaReg.INTS0)]).toEqual([ctrl(2), 1, 0]);
    r.set(RpDmaReg.INTE0, 0xffff_ffff);
    r.set(RpDmaReg.INTF1, 2);
    r.set(RpDmaReg.INTE1, 3);
    expect([r.reg(RpDmaReg.INTE0), r.reg(RpDmaReg.INTS0), r.reg(RpDmaReg.INTS1)]).toEqual([0xffff, 1, 3]);
    r.set(RpDmaReg.INTS0, 1);
    expect([r.reg(RpDmaReg.INTR), r.reg(RpDmaReg.INTS1)]).toEqual([0, 2]);
  });

  it("IRQ_QUIET: no IRQ at the end; a null trigger (0 to AL1_TRANS_COUNT_TRIG) raises it and starts nothing", () => {
    const r = rig();
    r.start(SRAM, SRAM + 0x100, 2, ctrl(2, RpDmaCtrl.IRQ_QUIET));
    r.advance(4);
    expect([r.reg(RpDmaReg.INTR), r.reg(RpDmaReg.CH0_CTRL_TRIG) & RpDmaCtrl.BUSY]).toEqual([0, 0]);
    r.set(RpDmaReg.CH0_AL1_TRANS_COUNT_TRIG, 0);
    expect([r.reg(RpDmaReg.INTR), r.reg(RpDmaReg.CH0_CTRL_TRIG) & RpDmaCtrl.BUSY, r.dma.completesAt()]).toEqual([
      1,
      0,
      null,
    ]);
  });
});

describe("RP2040 DMA copies: triggers, exact bytes, each data size, ring, byte swap, pause and abort", () => {
  it.each([
    [0, 1],
    [1, 2],
    [2, 4],
  ])(
    "DATA_SIZE %i: 24 bytes in %i-byte beats land exactly, the bytes around untouched; the live registers count down",
    (size, width) => {
      const r = rig();
      r.m.bus.load(SRAM, bytes(32));
      r.m.bus.load(SRAM + 0x100, new Uint8Array(32).fill(0xaa));
      const beats = 24 / width;
      r.start(SRAM + 4, SRAM + 0x104, beats, ctrl(size));
      r.advance(2 * beats - 2);
      expect([r.reg(RpDmaReg.CH0_TRANS_COUNT), r.reg(RpDmaReg.CH0_READ_ADDR), r.reg(RpDmaReg.CH0_WRITE_ADDR)]).toEqual([
        1,
        SRAM + 4 + 24 - width,
        SRAM + 0x104 + 24 - width,
      ]);
      r.advance(2);
      expect([r.reg(RpDmaReg.CH0_TRANS_COUNT), r.reg(RpDmaReg.CH0_READ_ADDR), r.reg(RpDmaReg.INTR)]).toEqual([
        0,
        SRAM + 28,
        1,
      ]);
      expect([...r.m.bus.peek(SRAM + 0x100, 32)]).toEqual([
        ...new Array(4).fill(0xaa),
        ...bytes(32).subarray(4, 28),
        ...new Array(4).fill(0xaa),
      ]);
    },
  );

  it("each trigger alias starts the channel with the reload count; a trigger while BUSY or with EN clear is ignored", () => {
    for (const [trig, value] of [
      [RpDmaReg.CH0_AL1_TRANS_COUNT_TRIG, 4],
      [RpDmaReg.CH0_AL2_WRITE_ADDR_TRIG, SRAM + 0x100],
      [RpDmaReg.CH0_AL3_READ_ADDR_TRIG, SRAM],
    ] as const) {
      const r = rig();
      r.m.bus.load(SRAM, bytes(16));
      r.set(RpDmaReg.CH0_READ_ADDR, SRAM);
      r.set(RpDmaReg.CH0_WRITE_ADDR, SRAM + 0x100);
      r.set(RpDmaReg.CH0_TRANS_COUNT, 4);
      r.set(RpDmaReg.CH0_AL1_CTRL, ctrl(2));
      expect(r.dma.completesAt()).toBeNull(); // AL1_CTRL does not trigger
      r.set(trig, value);
      expect([trig, r.dma.completesAt()]).toEqual([trig, 8]);
      r.set(RpDmaReg.MULTI_CHAN_TRIGGER, 1); // BUSY: ignored
      expect(r.dma.completesAt()).toBe(8);
      r.advance(8);
      r.dma.settle(); // observed: the beats due land
      expect([...r.m.bus.peek(SRAM + 0x100, 16)]).toEqual([...bytes(16)]);
    }
    const r = rig();
    r.start(SRAM, SRAM + 0x100, 4, ctrl(2) & ~RpDmaCtrl.EN);
    expect([r.dma.completesAt(), r.reg(RpDmaReg.CH0_CTRL_TRIG) & RpDmaCtrl.BUSY]).toEqual([null, 0]);
    r.set(RpDmaReg.CH0_AL1_CTRL, ctrl(2));
    r.set(RpDmaReg.MULTI_CHAN_TRIGGER, 1);
    expect(r.dma.completesAt()).toBe(8);
  });

  it("unaligned addresses: the low bits dropped at the trigger (READ_ADDR/WRITE_ADDR read back aligned down)", () => {
    const r = rig();
    r.m.bus.load(SRAM, bytes(16));
    r.start(SRAM + 3, SRAM + 0x102, 2);
    expect([r.reg(RpDmaReg.CH0_READ_ADDR), r.reg(RpDmaReg.CH0_WRITE_ADDR)]).toEqual([SRAM, SRAM + 0x100]);
    r.advance(4);
    r.dma.settle();
    expect([...r.m.bus.peek(SRAM + 0x100, 8)]).toEqual([...bytes(8)]);
  });

  it("INCR_WRITE only with a write ring of 8 bytes: the destination wraps; BSWAP reverses each word's bytes", () => {
    const r = rig();
    r.m.bus.load(SRAM, bytes(16));
    const ring = (3 << RpDmaCtrl.RING_SIZE_SHIFT) | RpDmaCtrl.RING_SEL | RpDmaCtrl.BSWAP;
    r.start(SRAM, SRAM + 0x100, 4, ctrl(2, ring));
    r.advance(8);
    r.dma.settle();
    const b = bytes(16);
    // beats 2 and 3 wrap over beats 0 and 1, each word's bytes reversed
    expect([...r.m.bus.peek(SRAM + 0x100, 12)]).toEqual([
      b[11],
      b[10],
      b[9],
      b[8],
      b[15],
      b[14],
      b[13],
      b[12],
      0,
      0,
      0,
      0,
    ]);
    expect(r.reg(RpDmaReg.CH0_WRITE_ADDR)).toBe(SRAM + 0x100);
    expect(r.reg(RpDmaReg.CH0_READ_ADDR)).toBe(SRAM + 16);
  });

  it("clearing EN pauses after the beats due (BUSY stays high), setting it resumes; CHAN_ABORT ends it, count 0, no IRQ", () => {
    const r = rig();
    r.m.bus.load(SRAM, bytes(64));
    r.start(SRAM, SRAM + 0x100, 16);
    r.advance(10); // 5 beats
    r.set(RpDmaReg.CH0_AL1_CTRL, ctrl(2) & ~RpDmaCtrl.EN);
    r.advance(100);
    expect([
      r.reg(RpDmaReg.CH0_TRANS_COUNT),
      r.reg(RpDmaReg.CH0_AL1_CTRL) & RpDmaCtrl.BUSY,
      r.dma.completesAt(),
    ]).toEqual([11, RpDmaCtrl.BUSY, null]);
    expect([...r.m.bus.peek(SRAM + 0x100 + 20, 4)]).toEqual([0, 0, 0, 0]);
    r.set(RpDmaReg.CH0_AL1_CTRL, ctrl(2));
    expect(r.dma.completesAt()).toBe(110 + 22);
    r.advance(4); // 2 more beats
    r.set(RpDmaReg.CHAN_ABORT, 1);
    expect([
      r.reg(RpDmaReg.CH0_TRANS_COUNT),
      r.reg(RpDmaReg.CH0_READ_ADDR),
      r.reg(RpDmaReg.CH0_AL1_CTRL),
      r.reg(RpDmaReg.INTR),
      r.reg(RpDmaReg.CHAN_ABORT),
    ]).toEqual([0, SRAM + 28, ctrl(2), 0, 0]);
    expect([...r.m.bus.peek(SRAM + 0x100, 32)]).toEqual([...bytes(28), 0, 0, 0, 0]);
  });

  it("TREQ_SEL other than 0x3f (a DREQ): BUSY, nothing moves; TRANS_COUNT 0 completes at once", () => {
    const r = rig();
    r.start(SRAM, SRAM + 0x100, 4, (ctrl(2) & ~(0x3f << RpDmaCtrl.TREQ_SEL_SHIFT)) | (20 << RpDmaCtrl.TREQ_SEL_SHIFT));
    r.advance(100);
    expect([r.reg(RpDmaReg.CH0_TRANS_COUNT), r.reg(RpDmaReg.CH0_AL1_CTRL) & RpDmaCtrl.BUSY]).toEqual([
      4,
      RpDmaCtrl.BUSY,
    ]);
    const z = rig();
    z.start(SRAM, SRAM + 0x100, 0);
    expect([z.reg(RpDmaReg.CH0_AL1_CTRL), z.reg(RpDmaReg.INTR), z.dma.completesAt()]).toEqual([ctrl(2), 1, null]);
  });
});

describe("RP2040 DMA bus errors: READ_ERROR or WRITE_ERROR, BUSY low, INTR raised, the addresses at the refused beat", () => {
  it("a read past SRAM5's end (0x20042000, unmapped): 2 words land, READ_ERROR and AHB_ERROR, TRANS_COUNT 2; a 1 written clears it", () => {
    const r = rig();
    const src = 0x20042000 - 8;
    r.m.bus.load(src, bytes(8));
    r.start(src, SRAM + 0x100, 4, ctrl(2, RpDmaCtrl.IRQ_QUIET));
    r.advance(100);
    expect([
      r.reg(RpDmaReg.CH0_CTRL_TRIG) >>> 0,
      r.reg(RpDmaReg.CH0_TRANS_COUNT),
      r.reg(RpDmaReg.CH0_READ_ADDR),
      r.reg(RpDmaReg.CH0_WRITE_ADDR),
      r.reg(RpDmaReg.INTR),
    ]).toEqual([
      (ctrl(2, RpDmaCtrl.IRQ_QUIET) | RpDmaCtrl.READ_ERROR | RpDmaCtrl.AHB_ERROR) >>> 0,
      2,
      0x20042000,
      SRAM + 0x108,
      1, // always raised on an error, IRQ_QUIET or not
    ]);
    expect(r.dma.lastError).toEqual({ address: 0x20042000, access: "read", reason: "unmapped" });
    expect([...r.m.bus.peek(SRAM + 0x100, 12)]).toEqual([...bytes(8), 0, 0, 0, 0]);
    r.set(RpDmaReg.CH0_AL1_CTRL, ctrl(2) | RpDmaCtrl.READ_ERROR);
    expect(r.reg(RpDmaReg.CH0_AL1_CTRL)).toBe(ctrl(2));
  });

  it("a write to the ROM: WRITE_ERROR on the first beat, TRANS_COUNT 4, WRITE_ADDR the ROM's address; the CPU takes no fault", () => {
    const r = rig();
    r.start(SRAM, 0x100, 4);
    r.advance(100);
    expect([
      r.reg(RpDmaReg.CH0_CTRL_TRIG) >>> 0,
      r.reg(RpDmaReg.CH0_TRANS_COUNT),
      r.reg(RpDmaReg.CH0_WRITE_ADDR),
    ]).toEqual([(ctrl(2) | RpDmaCtrl.WRITE_ERROR | RpDmaCtrl.AHB_ERROR) >>> 0, 4, 0x100]);
    expect(r.dma.lastError?.access).toBe("write");
  });

  it("SIO (0xd0000000) is the processors' IOPORT, not on the bus fabric: a read or write there is the DMA's bus error", () => {
    // Datasheet 2.3.1: "The SIO is not connected to the main system bus ... It can only be
    // accessed by the processors". A task granted only the DMA must not drive GPIO_OUT through it.
    const r = rig();
    r.m.bus.load(SRAM, bytes(4));
    r.start(SRAM, 0xd0000010, 1); // GPIO_OUT
    r.advance(100);
    expect([r.reg(RpDmaReg.CH0_CTRL_TRIG) >>> 0, r.reg(RpDmaReg.CH0_TRANS_COUNT)]).toEqual([
      (ctrl(2) | RpDmaCtrl.WRITE_ERROR | RpDmaCtrl.AHB_ERROR) >>> 0,
      1,
    ]);
    expect(r.dma.lastError).toEqual({ address: 0xd0000010, access: "write", reason: "unreachable" });
    r.set(RpDmaReg.CH0_AL1_CTRL, ctrl(2) | RpDmaCtrl.WRITE_ERROR);
    r.start(0xd0000004, SRAM + 0x100, 1); // GPIO_IN
    r.advance(100);
    expect(r.reg(RpDmaReg.CH0_CTRL_TRIG) >>> 0).toBe((ctrl(2) | RpDmaCtrl.READ_ERROR | RpDmaCtrl.AHB_ERROR) >>> 0);
    expect(r.dma.lastError).toEqual({ address: 0xd0000004, access: "read", reason: "unreachable" });
  });
});

describe("the RP2040's driver (DMA_DRIVERS['rp2040-dma']): registers in the first 1 KiB, BUSY polled", () => {
  it("start writes READ_ADDR, WRITE_ADDR, TRANS_COUNT (items) and CTRL_TRIG; flags 0 while BUSY, EN when done, the errors when refused; clear", () => {
    const r = rig();
    const drv = DMA_DRIVERS["rp2040-dma"];
    expect([drv.firstRegister, drv.doneFlag, drv.errorFlags, drv.maxItems(2)]).toEqual([
      0, 1, 0x6000_0000, 0xffff_ffff,
    ]);
    r.m.bus.load(SRAM, bytes(64));
    drv.start(r.m.core, DMA, { src: SRAM, dst: SRAM + 0x100, bytes: 64, size: 2 });
    expect([r.reg(RpDmaReg.CH0_DBG_TCR), r.reg(RpDmaReg.CH0_AL1_CTRL)]).toEqual([16, (ctrl(2) | RpDmaCtrl.BUSY) >>> 0]);
    expect([drv.flags(r.m.core, DMA), drv.enabled(r.m.core, DMA)]).toEqual([0, true]);
    r.advance(32);
    expect([drv.flags(r.m.core, DMA), drv.enabled(r.m.core, DMA)]).toEqual([RpDmaCtrl.EN, false]);
    drv.clear(r.m.core, DMA, RpDmaCtrl.EN);
    expect([drv.flags(r.m.core, DMA), r.reg(RpDmaReg.CH0_AL1_CTRL)]).toEqual([0, ctrl(2) & ~RpDmaCtrl.EN]);
    expect([...r.m.bus.peek(SRAM + 0x100, 64)]).toEqual([...bytes(64)]);
    drv.start(r.m.core, DMA, { src: SRAM, dst: 0x0, bytes: 4, size: 0 });
    r.advance(100);
    expect(drv.flags(r.m.core, DMA)).toBe(RpDmaCtrl.WRITE_ERROR);
    drv.clear(r.m.core, DMA, drv.endFlags);
    expect(r.reg(RpDmaReg.CH0_AL1_CTRL)).toBe(ctrl(0) & ~RpDmaCtrl.EN);
  });

  it("the RP2040 board names it: DMA at 0x50000000, its dma role", () => {
    expect([RP2040.roles.dma, RP2040.devices.DMA]).toEqual(["DMA", 0x50000000]);
  });
});
