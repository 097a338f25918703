import type { Board } from "./types.js";

/**
 * Whether `value` looks like a {@link Board} (an object with a `memory` array): the shape check
 * of what takes a board (`createMachine`, the kernel's options), before any field is read. A
 * board's own fields are validated where it is made (`defineBoard`, `boardFromJson`).
 */
export function isBoard(value: unknown): value is Board {
  return typeof value === "object" && value !== null && Array.isArray((value as { memory?: unknown }).memory);
}
