/**
 * Formats a 32-bit value as `0x` and 8 hex digits, the way datasheets and fault dumps print
 * addresses and register values.
 *
 * @example
 * ```ts
 * import { hex32 } from "@rtos-sim/hw";
 * console.log(hex32(0x20000000)); // 0x20000000
 * console.log(hex32(0x82)); // 0x00000082
 * ```
 */
export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}
