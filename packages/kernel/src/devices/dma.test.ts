import { type Board, RP2040, STM32F407, STM32H743XI, STM32U585 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { Dma, DmaCr, DmaFlag, DmaReg } from "./dma.js";
import { dmaRig } from "./dma-test-rig.js";

const DMA2 = 0x40026400;
/** DIR = memory-to-memory, both addresses incremented, 32-bit items. */
const M2M_WORDS = DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC | (2 << DmaCr.PSIZE_SHIFT) | (2 << DmaCr.MSIZE_SHIFT);

/** A DMA on a bare machine, attached where the board says, its clock and alarm in the test's hands. */
function rig(board: Board = STM32F407, base = DMA2) {
  const r = dmaRig(board, base, (env) => new Dma("DMA2", env));
  /** Programs stream 0 and sets EN. */
  const start = (src: number, dst: number, n: number, cr = M2M_WORDS) => {
    r.set(DmaReg.S0PAR, src);
    r.set(DmaReg.S0M0AR, dst);
    r.set(DmaReg.S0NDTR, n);
    r.set(DmaReg.S0CR, cr | DmaCr.EN);
  };
  return { ...r, start };
}

const bytes = (n: number, from = 1) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe("the DMA device's registers (STM32F4 DMA, stream 0)", () => {
  it("holds what is written, LIFCR clears LISR's flags, and reset values are 0", () => {
    const r = rig();
    expect([DmaReg.LISR, DmaReg.S0CR, DmaReg.S0NDTR, DmaReg.S0PAR, DmaReg.S0M0AR].map(r.reg)).toEqual([0, 0, 0, 0, 0]);
    r.set(DmaReg.S0PAR, 0x20000000);
    r.set(DmaReg.S0M0AR, 0x20001000);
    r.set(DmaReg.S0NDTR, 0x12345); // 16 bits
    r.set(DmaReg.S0CR, 0xf000_0000 | M2M_WORDS | DmaCr.TCIE); // reserved bits 31:28 dropped
    expect(r.reg(DmaReg.S0PAR)).toBe(0x20000000);
    expect(r.reg(DmaReg.S0M0AR)).toBe(0x20001000);
    expect(r.reg(DmaReg.S0NDTR)).toBe(0x2345);
    expect(r.reg(DmaReg.S0CR)).toBe(0x5690); // MSIZE 10, PSIZE 10, MINC, PINC, DIR 10, TCIE
    r.m.core.write8(DMA2 + DmaReg.S0NDTR + 1, 0x01); // a byte write merges into the register
    expect(r.reg(DmaReg.S0NDTR)).toBe(0x0145);
    expect(r.m.core.read16(DMA2 + DmaReg.S0PAR + 2)).toBe(0x2000);
    expect([DmaReg.HISR, DmaReg.LIFCR, DmaReg.HIFCR, 0x28].map(r.reg)).toEqual([0, 0, 0, 0]);
  });

  it("copies NDTR words from PAR to M0AR, exact bytes, then TCIF0 and EN cleared", () => {
    const r = rig();
    r.m.bus.load(0x20000000, bytes(64));
    r.start(0x20000000, 0x20001000, 16);
    expect(r.reg(DmaReg.S0CR) & DmaCr.EN).toBe(DmaCr.EN);
    expect(r.dma.busy).toBe(true);
    // SRAM to SRAM: a read and a write of 1 cycle each, 2 cycles a word: 32 cycles.
    expect(r.dma.completesAt()).toBe(32);
    expect(r.alarmAt()).toBe(32);
    r.advance(11); // five items due (at 2, 4, 6, 8, 10)
    expect(r.reg(DmaReg.S0NDTR)).toBe(11);
    expect([...r.m.bus.peek(0x20001000, 24)]).toEqual([...bytes(20), 0, 0, 0, 0]);
    expect(r.reg(DmaReg.LISR)).toBe(0);
    r.fire(); // the completion alarm: the rest lands without anyone polling
    expect([...r.m.bus.peek(0x20001000, 64)]).toEqual([...bytes(64)]);
    expect(r.m.bus.peek(0x20001040, 4)).toEqual(new Uint8Array(4));
    expect(r.reg(DmaReg.LISR)).toBe(DmaFlag.TCIF0);
    expect(r.reg(DmaReg.S0CR)).toBe(M2M_WORDS);
    expect(r.reg(DmaReg.S0NDTR)).toBe(0);
    expect(r.alarmAt()).toBeNull();
    r.set(DmaReg.LIFCR, DmaFlag.TCIF0 | DmaFlag.TEIF0);
    expect(r.reg(DmaReg.LISR)).toBe(0);
  });

  it("bytes and halfwords; a fixed source (PINC off) fills; flash as source costs its wait states", () => {
    const r = rig();
    r.m.bus.load(0x20000000, bytes(8, 0xa0));
    r.start(0x20000000, 0x20000100, 5, DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC); // PSIZE 00: bytes
    expect(r.dma.completesAt()).toBe(10);
    r.advance(10);
    expect(r.m.bus.peek(0x20000100, 6)).toEqual(new Uint8Array(6)); // due, but nothing observed the time yet
    expect(r.reg(DmaReg.LISR)).toBe(DmaFlag.TCIF0); // polling it: the items due land first
    expect([...r.m.bus.peek(0x20000100, 6)]).toEqual([0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0]);
    r.set(DmaReg.LIFCR, DmaFlag.TCIF0);
    r.start(0x20000002, 0x20000200, 3, DmaCr.DIR_M2M | DmaCr.MINC | (1 << DmaCr.PSIZE_SHIFT)); // halfwords, fixed source
    r.advance(6);
    expect(r.reg(DmaReg.S0NDTR)).toBe(0);
    expect([...r.m.bus.peek(0x20000200, 6)]).toEqual([0xa2, 0xa3, 0xa2, 0xa3, 0xa2, 0xa3]);
    r.set(DmaReg.LIFCR, DmaFlag.TCIF0);
    r.start(0x08000000, 0x20000300, 4); // flash: 1 + 5 wait states, then SRAM's 1: 7 cycles a word
    expect(r.dma.completesAt()! - 16).toBe(28);
  });

  it("an address not aligned to its port's data size has its low bits ignored (PAR by PSIZE, M0AR by MSIZE); the registers keep what was written", () => {
    const r = rig();
    r.m.bus.load(0x20000000, bytes(16, 0x10));
    r.start(0x20000003, 0x20000106, 2); // words: PAR 0x...03 reads from 0x...00, M0AR 0x...06 writes to 0x...04
    r.advance(4);
    expect(r.reg(DmaReg.S0NDTR)).toBe(0);
    expect([...r.m.bus.peek(0x20000100, 16)]).toEqual([0, 0, 0, 0, ...bytes(8, 0x10), 0, 0, 0, 0]);
    expect(r.reg(DmaReg.S0PAR)).toBe(0x20000003);
    expect(r.reg(DmaReg.S0M0AR)).toBe(0x20000106);
    r.set(DmaReg.LIFCR, DmaFlag.TCIF0);
    // halfwords from 0x...05 (bit 0 ignored: from 0x...04); bytes out (MSIZE 00: M0AR used as written)
    r.start(0x20000005, 0x20000203, 2, DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC | (1 << DmaCr.PSIZE_SHIFT));
    r.advance(4);
    expect(r.reg(DmaReg.S0NDTR)).toBe(0);
    expect([...r.m.bus.peek(0x20000200, 8)]).toEqual([0, 0, 0, 0x14, 0x15, 0x16, 0x17, 0]);
    r.set(DmaReg.LIFCR, DmaFlag.TCIF0);
    // bytes in (PSIZE 00: PAR used as written), MSIZE 10 (word): M0AR's bits 1:0 ignored
    r.start(0x20000001, 0x20000302, 3, DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC | (2 << DmaCr.MSIZE_SHIFT));
    r.advance(6);
    expect(r.reg(DmaReg.S0NDTR)).toBe(0);
    expect([...r.m.bus.peek(0x20000300, 4)]).toEqual([0x11, 0x12, 0x13, 0]);
  });

  it("overlapping spans move in item order: a destination just above its source repeats the first item; below it, a plain move", () => {
    const r = rig();
    const seen: [number, number, number][] = [];
    r.m.core.hook = { onAccess: (a, size, kind) => void seen.push([a, size, kind]) };
    r.m.bus.load(0x20000000, bytes(16));
    r.start(0x20000000, 0x20000004, 4); // one word up: each item reads what the previous one wrote
    r.advance(8);
    expect(r.reg(DmaReg.S0NDTR)).toBe(0);
    expect([...r.m.bus.peek(0x20000000, 24)]).toEqual([
      1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 0, 0, 0, 0,
    ]);
    // Item by item: a read and a write of one word each, in order (not one read of the whole span).
    expect(seen.filter(([a]) => a < 0x40000000).slice(0, 4)).toEqual([
      [0x20000000, 4, 0],
      [0x20000004, 4, 1],
      [0x20000004, 4, 0],
      [0x20000008, 4, 1],
    ]);
    r.set(DmaReg.LIFCR, DmaFlag.TCIF0);
    r.m.bus.load(0x20000100, bytes(8));
    // Half a word up: item 1 reads half of item 0's write. Words read (PSIZE 10), the memory port
    // byte-wide (MSIZE 00), so M0AR is used as written.
    r.start(0x20000100, 0x20000102, 2, M2M_WORDS & ~(3 << DmaCr.MSIZE_SHIFT));
    r.advance(4);
    expect(r.reg(DmaReg.S0NDTR)).toBe(0);
    expect([...r.m.bus.peek(0x20000100, 10)]).toEqual([1, 2, 1, 2, 3, 4, 3, 4, 7, 8]);
    r.set(DmaReg.LIFCR, DmaFlag.TCIF0);
    r.m.bus.load(0x20000204, bytes(16));
    seen.length = 0;
    r.start(0x20000204, 0x20000200, 4); // one word down: no item reads a byte written before it
    r.advance(8);
    expect(r.reg(DmaReg.S0NDTR)).toBe(0);
    expect([...r.m.bus.peek(0x20000200, 20)]).toEqual([...bytes(16), 13, 14, 15, 16]);
    expect(seen.filter(([a]) => a < 0x40000000)).toEqual([
      [0x20000204, 16, 0],
      [0x20000200, 16, 1],
    ]);
  });

  it("while EN is set, PAR, M0AR, NDTR and CR but EN are read-only; clearing EN stops it with TCIF0", () => {
    const r = rig();
    r.m.bus.load(0x20000000, bytes(32));
    r.start(0x20000000, 0x20001000, 8);
    r.set(DmaReg.S0PAR, 0x20000800);
    r.set(DmaReg.S0M0AR, 0x20000800);
    r.set(DmaReg.S0NDTR, 1);
    r.set(DmaReg.S0CR, M2M_WORDS | DmaCr.EN | DmaCr.TEIE);
    expect([r.reg(DmaReg.S0PAR), r.reg(DmaReg.S0M0AR), r.reg(DmaReg.S0NDTR), r.reg(DmaReg.S0CR)]).toEqual([
      0x20000000,
      0x20001000,
      8,
      M2M_WORDS | DmaCr.EN,
    ]);
    r.advance(6); // three words due
    r.set(DmaReg.S0CR, M2M_WORDS); // EN cleared by software
    expect(r.reg(DmaReg.LISR)).toBe(DmaFlag.TCIF0);
    expect(r.reg(DmaReg.S0NDTR)).toBe(5);
    expect([...r.m.bus.peek(0x20001000, 16)]).toEqual([...bytes(12), 0, 0, 0, 0]);
    r.advance(100);
    expect(r.m.bus.peek(0x2000100c, 20)).toEqual(new Uint8Array(20)); // nothing more moves
    expect(r.alarmAt()).toBeNull();
  });

  it("items written into its own registers act between two items: NDTR ignored while EN, SxCR clearing EN stops it", () => {
    const r = rig();
    const toReg = DmaCr.DIR_M2M | DmaCr.PINC | (2 << DmaCr.PSIZE_SHIFT); // destination fixed: one register
    r.m.bus.load(0x20000000, Uint8Array.of(0xff, 0xff, 0, 0, 0x34, 0x12, 0, 0));
    r.start(0x20000000, DMA2 + DmaReg.S0NDTR, 2, toReg);
    expect(r.dma.completesAt()).toBe(6); // SRAM 1 + a device register 2: 3 cycles an item
    r.advance(6);
    expect(r.reg(DmaReg.LISR)).toBe(DmaFlag.TCIF0); // both items written into NDTR, both ignored
    expect(r.reg(DmaReg.S0NDTR)).toBe(0);
    r.set(DmaReg.LIFCR, DmaFlag.TCIF0);
    r.m.bus.load(0x20000100, Uint8Array.of(...bytes(4), 0, 0, 0, 0, ...bytes(8)));
    r.start(0x20000100, DMA2 + DmaReg.S0CR, 4, toReg); // item 1 is 0: it clears EN
    r.advance(12);
    expect(r.reg(DmaReg.S0CR)).toBe(toReg); // item 0 (EN still set) changed nothing else
    expect(r.reg(DmaReg.LISR)).toBe(DmaFlag.TCIF0);
    expect(r.reg(DmaReg.S0NDTR)).toBe(2); // stopped after item 1: items 2 and 3 never moved
    expect(r.dma.busy).toBe(false);
    expect(r.alarmAt()).toBeNull();
  });

  it("moves nothing for a peripheral-request direction, NDTR = 0, or a reserved PSIZE", () => {
    const r = rig();
    r.m.bus.load(0x20000000, bytes(16));
    r.start(0x20000000, 0x20001000, 4, DmaCr.PINC | DmaCr.MINC); // DIR 00: waits for requests
    r.advance(1000);
    expect(r.reg(DmaReg.S0CR)).toBe(DmaCr.PINC | DmaCr.MINC | DmaCr.EN);
    expect([r.reg(DmaReg.S0NDTR), r.reg(DmaReg.LISR)]).toEqual([4, 0]);
    r.set(DmaReg.S0CR, 0);
    r.set(DmaReg.LIFCR, 0x3d);
    r.start(0x20000000, 0x20001000, 0); // NDTR 0: enabled, nothing served
    r.advance(1000);
    expect([r.reg(DmaReg.S0CR), r.reg(DmaReg.LISR)]).toEqual([M2M_WORDS | DmaCr.EN, 0]);
    r.set(DmaReg.S0CR, 0);
    r.set(DmaReg.LIFCR, 0x3d);
    r.start(0x20000000, 0x20001000, 4, DmaCr.DIR_M2M | (3 << DmaCr.PSIZE_SHIFT)); // reserved size: EN stays 0
    expect(r.reg(DmaReg.S0CR)).toBe(DmaCr.DIR_M2M | (3 << DmaCr.PSIZE_SHIFT));
    expect(r.m.bus.peek(0x20001000, 16)).toEqual(new Uint8Array(16));
  });
});

describe("transfer errors: the bus refuses a beat, TEIF0 set, EN cleared, the CPU takes no fault", () => {
  it("into the STM32F407's CCM (not on the bus matrix): TEIF0 at the first item, nothing written", () => {
    const r = rig();
    r.m.bus.load(0x20000000, bytes(16));
    r.start(0x20000000, 0x10000000, 4);
    r.advance(2);
    expect(r.reg(DmaReg.LISR)).toBe(DmaFlag.TEIF0);
    expect(r.reg(DmaReg.S0CR)).toBe(M2M_WORDS);
    expect(r.reg(DmaReg.S0NDTR)).toBe(4);
    expect(r.dma.lastError).toEqual({ address: 0x10000000, access: "write", reason: "unreachable" });
    expect(r.m.bus.peek(0x10000000, 16)).toEqual(new Uint8Array(16));
    expect(r.m.scb.cfsr).toBe(0);
  });

  it("from the CCM, into flash, past the end of SRAM: each its own refusal, NDTR the items not moved", () => {
    const r = rig();
    r.start(0x10000000, 0x20000000, 4);
    r.advance(10);
    expect([r.reg(DmaReg.LISR), r.reg(DmaReg.S0NDTR)]).toEqual([DmaFlag.TEIF0, 4]);
    expect(r.dma.lastError).toEqual({ address: 0x10000000, access: "read", reason: "unreachable" });
    r.set(DmaReg.LIFCR, DmaFlag.TEIF0);

    r.start(0x20000000, 0x08000000, 4); // flash: read-only to every master
    r.advance(10);
    expect([r.reg(DmaReg.LISR), r.reg(DmaReg.S0NDTR)]).toEqual([DmaFlag.TEIF0, 4]);
    expect(r.dma.lastError).toEqual({ address: 0x08000000, access: "write", reason: "read-only" });
    r.set(DmaReg.LIFCR, DmaFlag.TEIF0);

    // SRAM2 ends at 0x20020000: two words land, the third is unmapped.
    r.m.bus.load(0x20000000, bytes(16));
    r.start(0x20000000, 0x2001fff8, 4);
    r.advance(100);
    expect([r.reg(DmaReg.LISR), r.reg(DmaReg.S0NDTR)]).toEqual([DmaFlag.TEIF0, 2]);
    expect(r.dma.lastError).toEqual({ address: 0x20020000, access: "write", reason: "unmapped" });
    expect([...r.m.bus.peek(0x2001fff8, 8)]).toEqual([...bytes(8)]);
    expect(r.m.scb.cfsr).toBe(0);
  });

  it("STM32H743: DTCM is out of DMA2's reach, AXI SRAM is not", () => {
    const r = rig(STM32H743XI, 0x40020400);
    r.m.bus.load(0x24000000, bytes(8));
    r.start(0x24000000, 0x20000000, 2);
    r.advance(10);
    expect(r.reg(DmaReg.LISR)).toBe(DmaFlag.TEIF0);
    expect(r.dma.lastError).toEqual({ address: 0x20000000, access: "write", reason: "unreachable" });
    r.set(DmaReg.LIFCR, DmaFlag.TEIF0);
    r.start(0x24000000, 0x24001000, 2);
    r.advance(10);
    expect(r.reg(DmaReg.LISR)).toBe(DmaFlag.TCIF0);
    expect([...r.m.bus.peek(0x24001000, 8)]).toEqual([...bytes(8)]);
  });

  it("the boards that declare it: the STM32F407 and the H7 parts; the STM32U585's dma is its GPDMA1 (gpdma.ts), the RP2040's its DMA (rp2040-dma.ts)", () => {
    expect([STM32F407.roles.dma, STM32F407.devices.DMA2]).toEqual(["DMA2", 0x40026400]);
    expect([STM32H743XI.roles.dma, STM32H743XI.devices.DMA2]).toEqual(["DMA2", 0x40020400]);
    expect([STM32U585.roles.dma, STM32U585.devices.GPDMA1]).toEqual(["GPDMA1", 0x40020000]);
    expect([RP2040.roles.dma, RP2040.devices.DMA]).toEqual(["DMA", 0x50000000]);
  });
});
