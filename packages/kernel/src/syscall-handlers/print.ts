import { int, readBuffer } from "./args.js";
import type { SyscallHandler } from "./context.js";

/** Longest print. */
const MAX_PRINT = 256;

/**
 * `print(ptr, length)`: the caller's bytes (read unprivileged) as lines of its output, each a
 * `uart` event; returns the length. Faults: a malformed field, a buffer the caller may not read
 * itself (`BAD_POINTER`).
 */
export const print: SyscallHandler<"print"> = (ctx, req) => {
  const ptr = int(req, "ptr", 0, 0xffffffff);
  const length = int(req, "length", 0, MAX_PRINT);
  const bytes = readBuffer(ctx, req, ptr, length);
  const { kernel, caller } = ctx;
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  for (const line of text.replace(/\n$/, "").split("\n")) kernel.output(caller.id, line);
  return length;
};
