import { type Board, STM32F407, STM32U585 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { Dma, DmaCr, DmaReg } from "./dma.js";
import { dmaRig } from "./dma-test-rig.js";
import { Gpdma, GpdmaCr, GpdmaFlag, GpdmaReg, GpdmaTr1, GpdmaTr2 } from "./gpdma.js";

const GPDMA1 = 0x40020000;
const SRAM1 = 0x20000000;

/** CxTR1 for beats of `1 << log2` bytes, both addresses incremented. */
const tr1 = (log2: number, sinc = true, dinc = true) =>
  (log2 << GpdmaTr1.SDW_SHIFT) | (log2 << GpdmaTr1.DDW_SHIFT) | (sinc ? GpdmaTr1.SINC : 0) | (dinc ? GpdmaTr1.DINC : 0);

/** A GPDMA on a bare machine (the U585's by default), its clock and alarm in the test's hands. */
function rig(board: Board = STM32U585, base = GPDMA1) {
  const r = dmaRig(board, base, (env) => new Gpdma("GPDMA1", env));
  /** Programs channel 0 for a software-request block of `bytes` and sets EN. */
  const start = (src: number, dst: number, bytes: number, t1 = tr1(2), cr = 0) => {
    r.set(GpdmaReg.C0SAR, src);
    r.set(GpdmaReg.C0DAR, dst);
    r.set(GpdmaReg.C0BR1, bytes);
    r.set(GpdmaReg.C0TR1, t1);
    r.set(GpdmaReg.C0TR2, GpdmaTr2.SWREQ);
    r.set(GpdmaReg.C0CR, cr | GpdmaCr.EN);
  };
  return { ...r, gpdma: r.dma, start };
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (seed + 37 * i) & 0xff);

describe("GPDMA registers (RM0456): reset values, read-only while EN, flags and their clears", () => {
  it("reset: C0SR reads IDLEF alone, every other register 0; the block is 4 KiB, channel 1 and the linked list read 0", () => {
    const r = rig();
    expect(r.gpdma.size).toBe(0x1000);
    expect(r.reg(GpdmaReg.C0SR)).toBe(GpdmaFlag.IDLEF);
    expect(r.reg(GpdmaReg.C0SR)).toBe(0x0000_0001);
    for (const off of [
      0x00, 0x04, 0x08, 0x0c, 0x10, 0x50, 0x5c, 0x64, 0x90, 0x94, 0x98, 0x9c, 0xa0, 0xcc, 0xe0, 0x114,
    ]) {
      expect([off, r.reg(off)]).toEqual([off, 0]);
    }
    r.set(GpdmaReg.C0LLR, 0x2000_0100);
    r.set(GpdmaReg.C0LBAR, 0x2000_0000);
    r.set(GpdmaReg.SECCFGR, 1);
    r.set(GpdmaReg.PRIVCFGR, 1);
    expect([r.reg(GpdmaReg.C0LLR), r.reg(GpdmaReg.C0LBAR), r.reg(GpdmaReg.SECCFGR), r.reg(GpdmaReg.PRIVCFGR)]).toEqual([
      0, 0, 0, 0,
    ]);
  });

  it("the transfer registers keep their writable bits (SSEC and DSEC read 0); CxCR.RESET reads 0", () => {
    const r = rig();
    r.set(GpdmaReg.C0TR1, 0xffff_ffff);
    r.set(GpdmaReg.C0TR2, 0xffff_ffff);
    r.set(GpdmaReg.C0BR1, 0xffff_ffff);
    r.set(GpdmaReg.C0SAR, 0x2000_0003);
    r.set(GpdmaReg.C0DAR, 0x2000_0005);
    r.set(GpdmaReg.C0CR, 0xffff_fffa); // every bit but EN (and RESET's bit 1 stays unread)
    expect(r.reg(GpdmaReg.C0TR1)).toBe(0x4ffb_7bfb);
    expect(r.reg(GpdmaReg.C0TR2)).toBe(0xc33f_ce7f);
    expect(r.reg(GpdmaReg.C0BR1)).toBe(0xffff);
    expect([r.reg(GpdmaReg.C0SAR), r.reg(GpdmaReg.C0DAR)]).toEqual([0x2000_0003, 0x2000_0005]);
    expect(r.reg(GpdmaReg.C0CR)).toBe(0x00c3_7f00); // RESET on an idle channel cleared SUSP
  });

  it("while EN is set: TR1, TR2, BR1, SAR and DAR ignore writes, and writing EN 0 is ignored", () => {
    const r = rig();
    r.set(GpdmaReg.C0SAR, SRAM1);
    r.set(GpdmaReg.C0DAR, SRAM1 + 0x100);
    r.set(GpdmaReg.C0BR1, 16);
    r.set(GpdmaReg.C0TR1, tr1(2));
    r.set(GpdmaReg.C0CR, GpdmaCr.EN); // SWREQ = 0: waits for a peripheral request that never comes
    expect([r.reg(GpdmaReg.C0CR), r.reg(GpdmaReg.C0SR), r.gpdma.busy]).toEqual([GpdmaCr.EN, 0, false]);
    r.set(GpdmaReg.C0SAR, 0x2000_0400);
    r.set(GpdmaReg.C0DAR, 0x2000_0800);
    r.set(GpdmaReg.C0BR1, 64);
    r.set(GpdmaReg.C0TR1, 0);
    r.set(GpdmaReg.C0TR2, GpdmaTr2.SWREQ);
    r.set(GpdmaReg.C0CR, 0);
    expect(
      [GpdmaReg.C0SAR, GpdmaReg.C0DAR, GpdmaReg.C0BR1, GpdmaReg.C0TR1, GpdmaReg.C0TR2, GpdmaReg.C0CR].map(r.reg),
    ).toEqual([SRAM1, SRAM1 + 0x100, 16, tr1(2), 0, GpdmaCr.EN]);
    r.advance(1000);
    expect([...r.m.bus.peek(SRAM1 + 0x100, 16)]).toEqual(new Array(16).fill(0)); // nothing moved
  });

  it("TCF at the end, EN cleared and IDLEF back; CxFCR clears TCF (a 1 per flag, IDLEF not clearable); MISR shows it when TCIE is set", () => {
    const r = rig();
    r.m.bus.load(SRAM1, bytes(16));
    r.start(SRAM1, SRAM1 + 0x100, 16, tr1(2), GpdmaCr.TCIE);
    expect(r.reg(GpdmaReg.C0SR)).toBe(0); // running: IDLEF cleared
    expect(r.reg(GpdmaReg.C0CR)).toBe(GpdmaCr.TCIE | GpdmaCr.EN);
    r.advance(8); // 4 beats of 2 cycles
    expect(r.reg(GpdmaReg.C0SR)).toBe(GpdmaFlag.TCF | GpdmaFlag.IDLEF);
    expect([r.reg(GpdmaReg.C0CR), r.reg(GpdmaReg.C0BR1), r.reg(GpdmaReg.MISR)]).toEqual([GpdmaCr.TCIE, 0, 1]);
    expect([r.reg(GpdmaReg.C0SAR), r.reg(GpdmaReg.C0DAR)]).toEqual([SRAM1 + 16, SRAM1 + 0x110]);
    r.set(GpdmaReg.C0FCR, 0xffff_ffff);
    expect([r.reg(GpdmaReg.C0SR), r.reg(GpdmaReg.MISR), r.reg(GpdmaReg.C0FCR)]).toEqual([GpdmaFlag.IDLEF, 0, 0]);
    expect([...r.m.bus.peek(SRAM1 + 0x100, 16)]).toEqual([...bytes(16)]);
  });

  it.each([
    ["an 8-byte source data width", SRAM1, SRAM1 + 0x100, 16, (3 << GpdmaTr1.SDW_SHIFT) | (2 << GpdmaTr1.DDW_SHIFT)],
    [
      "an 8-byte destination data width",
      SRAM1,
      SRAM1 + 0x100,
      16,
      (2 << GpdmaTr1.SDW_SHIFT) | (3 << GpdmaTr1.DDW_SHIFT),
    ],
    ["BNDT = 0", SRAM1, SRAM1 + 0x100, 0, tr1(2)],
    ["BNDT not a multiple of the source data width", SRAM1, SRAM1 + 0x100, 6, tr1(2)],
    ["a source address not aligned to its data width", SRAM1 + 2, SRAM1 + 0x100, 16, tr1(2)],
    ["a destination address not aligned to its data width", SRAM1, SRAM1 + 0x101, 16, tr1(1)],
  ])("USEF, EN cleared, IDLEF kept and nothing moved: %s", (_what, src, dst, n, t1) => {
    const r = rig();
    r.m.bus.load(SRAM1, bytes(16));
    r.start(src, dst, n, t1);
    r.advance(100);
    expect([r.reg(GpdmaReg.C0SR), r.reg(GpdmaReg.C0CR), r.gpdma.busy]).toEqual([
      GpdmaFlag.USEF | GpdmaFlag.IDLEF,
      0,
      false,
    ]);
    expect([r.reg(GpdmaReg.C0BR1), r.reg(GpdmaReg.C0SAR), r.reg(GpdmaReg.C0DAR)]).toEqual([n, src, dst]);
    expect([...r.m.bus.peek(SRAM1 + 0x100, 16)]).toEqual(new Array(16).fill(0));
    r.set(GpdmaReg.C0FCR, GpdmaFlag.USEF);
    expect(r.reg(GpdmaReg.C0SR)).toBe(GpdmaFlag.IDLEF);
  });
});

describe("GPDMA copies: exact bytes, each data width, time per beat as DMA2's", () => {
  it.each([
    [0, 1],
    [1, 2],
    [2, 4],
  ])("SDW_LOG2 = DDW_LOG2 = %i: 24 bytes in %i-byte beats land exactly, the bytes around untouched", (log2, width) => {
    const r = rig();
    r.m.bus.load(SRAM1, bytes(32));
    r.m.bus.load(SRAM1 + 0x100, new Uint8Array(32).fill(0xaa));
    r.start(SRAM1 + 4, SRAM1 + 0x104, 24, tr1(log2));
    const beats = 24 / width;
    r.advance(2 * beats - 1);
    expect(r.reg(GpdmaReg.C0BR1)).toBe(width); // one beat left
    r.advance(1);
    expect(r.reg(GpdmaReg.C0SR)).toBe(GpdmaFlag.TCF | GpdmaFlag.IDLEF);
    expect([...r.m.bus.peek(SRAM1 + 0x100, 32)]).toEqual([
      ...new Array(4).fill(0xaa),
      ...bytes(32).subarray(4, 28),
      ...new Array(4).fill(0xaa),
    ]);
  });

  it("SINC = 0: one source word written over the whole destination (a fill)", () => {
    const r = rig();
    r.m.bus.load(SRAM1, Uint8Array.of(1, 2, 3, 4));
    r.start(SRAM1, SRAM1 + 0x100, 16, tr1(2, false, true));
    r.advance(8);
    expect(r.reg(GpdmaReg.C0SR)).toBe(GpdmaFlag.TCF | GpdmaFlag.IDLEF); // observed: the beats due land
    expect([...r.m.bus.peek(SRAM1 + 0x100, 16)]).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    expect(r.reg(GpdmaReg.C0SAR)).toBe(SRAM1);
  });

  it("a beat costs a read and a write as DMA2's item does: SRAM to SRAM 2 cycles, flash to SRAM 6 on the U585 (4 wait states)", () => {
    const r = rig();
    r.start(SRAM1, SRAM1 + 0x100, 64);
    expect([r.gpdma.completesAt(), r.alarmAt()]).toEqual([32, 32]);
    r.advance(7); // 3 beats due
    expect([r.reg(GpdmaReg.C0BR1), r.reg(GpdmaReg.C0SAR), r.reg(GpdmaReg.C0DAR)]).toEqual([
      52,
      SRAM1 + 12,
      SRAM1 + 0x10c,
    ]);
    r.advance(25);
    expect(r.reg(GpdmaReg.C0SR)).toBe(GpdmaFlag.TCF | GpdmaFlag.IDLEF);

    const f = rig();
    f.start(0x08000000, SRAM1, 64);
    expect(f.gpdma.completesAt()).toBe(16 * 6);

    // DMA2 on the STM32F407 charges its 16 word items SRAM1 to SRAM1 the same 32 cycles.
    const { dma, set: w } = dmaRig(STM32F407, 0x40026400, (env) => new Dma("DMA2", env));
    w(DmaReg.S0PAR, SRAM1);
    w(DmaReg.S0M0AR, SRAM1 + 0x100);
    w(DmaReg.S0NDTR, 16);
    w(
      DmaReg.S0CR,
      DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC | (2 << DmaCr.PSIZE_SHIFT) | (2 << DmaCr.MSIZE_SHIFT) | DmaCr.EN,
    );
    expect(dma.completesAt()).toBe(32);
  });

  it("SUSP stops after the beats due (SUSPF, IDLEF), clearing it resumes from there; RESET on a suspended channel clears EN", () => {
    const r = rig();
    r.m.bus.load(SRAM1, bytes(64));
    r.start(SRAM1, SRAM1 + 0x100, 64);
    r.advance(10); // 5 beats
    r.set(GpdmaReg.C0CR, GpdmaCr.EN | GpdmaCr.SUSP);
    expect([r.reg(GpdmaReg.C0SR), r.reg(GpdmaReg.C0BR1), r.gpdma.busy]).toEqual([
      GpdmaFlag.SUSPF | GpdmaFlag.IDLEF,
      44,
      false,
    ]);
    r.advance(100);
    expect([...r.m.bus.peek(SRAM1 + 0x100 + 20, 4)]).toEqual([0, 0, 0, 0]);
    r.set(GpdmaReg.C0FCR, GpdmaFlag.SUSPF);
    r.set(GpdmaReg.C0CR, GpdmaCr.EN);
    expect(r.gpdma.completesAt()).toBe(r.now() + 22);
    r.advance(22);
    expect(r.reg(GpdmaReg.C0SR)).toBe(GpdmaFlag.TCF | GpdmaFlag.IDLEF);
    expect([...r.m.bus.peek(SRAM1 + 0x100, 64)]).toEqual([...bytes(64)]);

    const s = rig();
    s.start(SRAM1, SRAM1 + 0x100, 64);
    s.advance(4);
    s.set(GpdmaReg.C0CR, GpdmaCr.EN | GpdmaCr.RESET); // not suspended: ignored
    expect(s.gpdma.busy).toBe(true);
    s.set(GpdmaReg.C0CR, GpdmaCr.EN | GpdmaCr.SUSP);
    s.set(GpdmaReg.C0CR, GpdmaCr.EN | GpdmaCr.SUSP | GpdmaCr.RESET);
    expect([s.reg(GpdmaReg.C0CR), s.reg(GpdmaReg.C0SR), s.reg(GpdmaReg.C0BR1)]).toEqual([
      0,
      GpdmaFlag.SUSPF | GpdmaFlag.IDLEF, // the flag stays until CxFCR clears it
      56,
    ]);
  });
});

describe("GPDMA data transfer errors: DTEF, EN cleared, BNDT the bytes not moved", () => {
  it("into unmapped memory past SRAM3's end: 4 words land, DTEF at 0x200C0000, BNDT 48, SAR/DAR at the refused beat", () => {
    const r = rig();
    r.m.bus.load(SRAM1, bytes(64));
    r.start(SRAM1, 0x200bfff0, 64);
    r.advance(1000);
    expect([r.reg(GpdmaReg.C0SR), r.reg(GpdmaReg.C0CR)]).toEqual([GpdmaFlag.DTEF | GpdmaFlag.IDLEF, 0]);
    expect([r.reg(GpdmaReg.C0BR1), r.reg(GpdmaReg.C0SAR), r.reg(GpdmaReg.C0DAR)]).toEqual([48, SRAM1 + 16, 0x200c0000]);
    expect(r.gpdma.lastError).toEqual({ address: 0x200c0000, access: "write", reason: "unmapped" });
    expect([...r.m.bus.peek(0x200bfff0, 16)]).toEqual([...bytes(16)]);
    r.set(GpdmaReg.C0FCR, GpdmaFlag.DTEF);
    expect(r.reg(GpdmaReg.C0SR)).toBe(GpdmaFlag.IDLEF);
  });

  it("a write to flash: DTEF on the first beat, BNDT unchanged; a read out of the bus matrix's reach (the F407's CCM): the same", () => {
    const r = rig();
    r.start(SRAM1, 0x08000000, 32);
    r.advance(1000);
    expect([r.reg(GpdmaReg.C0SR), r.reg(GpdmaReg.C0BR1)]).toEqual([GpdmaFlag.DTEF | GpdmaFlag.IDLEF, 32]);
    expect(r.gpdma.lastError).toEqual({ address: 0x08000000, access: "write", reason: "read-only" });

    // The model on a board with memory marked dmaReachable: false (the STM32F407's CCM).
    const c = rig(STM32F407, 0x40026400);
    c.start(0x1000fffa, SRAM1, 12, tr1(1));
    c.advance(1000);
    expect([c.reg(GpdmaReg.C0SR), c.reg(GpdmaReg.C0BR1), c.reg(GpdmaReg.C0SAR)]).toEqual([
      GpdmaFlag.DTEF | GpdmaFlag.IDLEF,
      12,
      0x1000fffa,
    ]);
    expect(c.gpdma.lastError).toEqual({ address: 0x1000fffa, access: "read", reason: "unreachable" });
  });
});
