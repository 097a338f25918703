import { hex32 } from "../shared/format.js";
import type { FaultRecord } from "./result.js";

/**
 * A hardware fault's access as the summary and the HTML report say it: `unprivileged write of 4
 * byte(s) at 0x20002410`, or for a UsageFault STKOF, which refuses an SP move (a push, a frame's
 * prologue, exception stacking) before any store, `none: unprivileged SP update to 0x20002410,
 * below the stack limit (refused before any store)` (the record's access is the new SP, not an
 * access that was made). `address` formats the address and `text` the record's access kind (the
 * HTML report's code span and escaping).
 */
export function faultAccess(
  f: FaultRecord,
  address: (text: string) => string = (t) => t,
  text: (text: string) => string = (t) => t,
): string {
  const priv = f.access.privileged ? "privileged" : "unprivileged";
  const at = address(hex32(f.access.address));
  return f.cfsrNames.includes("STKOF")
    ? `none: ${priv} SP update to ${at}, below the stack limit (refused before any store)`
    : `${priv} ${text(f.access.kind)} of ${f.access.size} byte(s) at ${at}`;
}
