import { HwError } from "../../errors.js";
import type { Board } from "../types.js";
import { MPS2_AN386 } from "./mps2-an386.js";
import { MPS2_AN505 } from "./mps2-an505.js";
import { MPS3_AN547 } from "./mps3-an547.js";
import { RP2040 } from "./rp2040.js";
import { RP2350 } from "./rp2350.js";
import { STM32F407 } from "./stm32f407.js";
import { STM32H743XG, STM32H743XI, STM32H750XB } from "./stm32h7.js";
import { STM32U585 } from "./stm32u585.js";

/**
 * Every built-in board, in a stable order (the order of `rtos-sim boards`): one file each under
 * `board/builtin/` (a family sharing one memory map, as the STM32H7 parts, shares a file), one
 * line here. See docs/contributing.md, "Add a board".
 */
export const BOARDS: readonly Board[] = Object.freeze([
  STM32F407,
  STM32H743XI,
  STM32H743XG,
  STM32H750XB,
  MPS2_AN386,
  RP2040,
  STM32U585,
  RP2350,
  MPS2_AN505,
  MPS3_AN547,
]);

/** Finds a built-in board by name or alias (case-insensitive); undefined when unknown. */
export function findBoard(name: string): Board | undefined {
  if (typeof name !== "string") {
    throw new HwError("BAD_ARGUMENT", `findBoard: the board name must be a string, not ${typeof name}`, {
      field: "name",
      value: typeof name,
    });
  }
  const n = name.toLowerCase();
  return BOARDS.find((b) => b.name === n || b.aliases.includes(n));
}
