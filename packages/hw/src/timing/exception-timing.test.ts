import { describe, expect, it } from "vitest";
import { MPS2_AN386 } from "../board/builtin/mps2-an386.js";
import { MPS2_AN505 } from "../board/builtin/mps2-an505.js";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { STM32H743XI } from "../board/builtin/stm32h7.js";
import { defineBoard } from "../board/define.js";
import {
  busInterface,
  EXCEPTION_LATENCY,
  exceptionEntryCycles,
  exceptionReturnCycles,
  waitStatesAt,
} from "./exception-timing.js";

describe("exception latencies", () => {
  it("are the published figures: 12 in, 10 out, +17 with FP context on the M4, 6 to tail-chain", () => {
    expect(EXCEPTION_LATENCY["cortex-m3"]).toEqual({ entry: 12, exit: 10, fpContext: 0, tailChain: 6 });
    expect(EXCEPTION_LATENCY["cortex-m4"]).toEqual({ entry: 12, exit: 10, fpContext: 17, tailChain: 6 });
    expect(EXCEPTION_LATENCY["cortex-m7"].entry).toBe(12);
  });

  it("bus interfaces follow the Cortex-M3/M4 address split and the Cortex-M7 TCM windows", () => {
    expect(busInterface("cortex-m4", 0x08000000, true)).toBe("icode");
    expect(busInterface("cortex-m4", 0x10000000, false)).toBe("dcode");
    expect(busInterface("cortex-m4", 0x20000000, false)).toBe("system");
    expect(busInterface("cortex-m4", 0x20000000, true)).toBe("system");
    expect(busInterface("cortex-m7", 0x00000100, true)).toBe("itcm");
    expect(busInterface("cortex-m7", 0x20000100, false)).toBe("dtcm");
    expect(busInterface("cortex-m7", 0x24000000, false)).toBe("axim");
    expect(busInterface("cortex-m7", 0x08000000, true)).toBe("axim");
  });

  it("the Cortex-M33 has one Code-region interface (C-AHB) for fetches and data, and S-AHB above", () => {
    expect(busInterface("cortex-m33", 0x10000000, true)).toBe("c-ahb");
    expect(busInterface("cortex-m33", 0x10000000, false)).toBe("c-ahb");
    expect(busInterface("cortex-m33", 0x20000000, false)).toBe("s-ahb");
    expect(busInterface("cortex-m33", 0x20000000, true)).toBe("s-ahb");
  });

  it("wait states come from the board's memory map (0 outside memory)", () => {
    expect(waitStatesAt(STM32F407, 0x08000000)).toBe(5);
    expect(waitStatesAt(STM32F407, 0x10000000)).toBe(0);
    expect(waitStatesAt(STM32F407, 0x40000000)).toBe(0);
    expect(waitStatesAt(STM32H743XI, 0x08100000)).toBe(9);
  });
});

describe("exceptionEntryCycles", () => {
  it("is 12 with zero wait states and the stack on another bus than the vectors (MPS2-AN386)", () => {
    expect(exceptionEntryCycles(MPS2_AN386, { stack: 0x20001000, vectorTable: 0, handler: 0x200 })).toBe(12);
  });

  it("adds up stacking and vector fetch when they share a bus: 3 + 9 + 6", () => {
    // Vectors and handler in SSRAM2 with the stack: everything on the System bus.
    const at = { stack: 0x20001000, vectorTable: 0x20000000, handler: 0x20000200 };
    expect(exceptionEntryCycles(MPS2_AN386, at)).toBe(18);
    // I-Code and D-Code are separate interfaces: a stack below 0x20000000 still overlaps.
    expect(exceptionEntryCycles(MPS2_AN386, { stack: 0x00100000, vectorTable: 0, handler: 0x200 })).toBe(12);
  });

  it("on the Cortex-M33 a stack in the Code region shares C-AHB with the vector fetch: 3 + 9 + 6 (MPS2-AN505)", () => {
    expect(exceptionEntryCycles(MPS2_AN505, { stack: 0x00100000, vectorTable: 0, handler: 0x200 })).toBe(18);
    // The stack in the SRAM at 0x20000000 (S-AHB) overlaps the fetches: the published 12.
    expect(exceptionEntryCycles(MPS2_AN505, { stack: 0x20001000, vectorTable: 0, handler: 0x200 })).toBe(12);
  });

  it("on the STM32F407 the flash vector read and handler fetch (5 wait states each) outlast the stacking", () => {
    // 3 + max(9, 6 + 5 + 5): the stack in CCM (D-Code) runs in parallel with flash on I-Code.
    expect(exceptionEntryCycles(STM32F407, { stack: 0x10000c00, vectorTable: 0x08000000, handler: 0x08000400 })).toBe(
      19,
    );
  });

  it("wait states of the stack memory lengthen the stacking (8 writes)", () => {
    const slow = defineBoard({
      name: "slow",
      core: "cortex-m4",
      memory: [
        { name: "ROM", kind: "flash", start: 0x00000000, size: 0x10000 },
        { name: "RAM", start: 0x20000000, size: 0x10000, waitStates: 2 },
      ],
    });
    expect(exceptionEntryCycles(slow, { stack: 0x20001000, vectorTable: 0, handler: 0x100 })).toBe(3 + 9 + 16);
  });
});

describe("exceptionReturnCycles", () => {
  it("is 10 with zero wait states; the unstacking and the return fetch add their wait states", () => {
    expect(exceptionReturnCycles(MPS2_AN386, { stack: 0x20001000, returnTo: 0x1000 })).toBe(10);
    expect(exceptionReturnCycles(STM32F407, { stack: 0x10000f00, returnTo: 0x08002000 })).toBe(15);
  });
});
