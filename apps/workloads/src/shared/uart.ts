import { UartReg } from "@rtos-sim/kernel";

/** What a task body needs to write a UART: a byte store (the task's own, MPU-checked). */
export interface ByteWriter {
  /** Stores the byte `value` (0..255) at `address`, as the task (MPU-checked). */
  write8(address: number, value: number): void;
}

/**
 * Writes `text` (Latin-1) to the UART data register at `uartBase`, one byte store per
 * character, as a polled driver does (the simulated UART is always ready). The task must be
 * granted the UART (or be privileged); otherwise the first store faults.
 */
export function uartWrite(t: ByteWriter, uartBase: number, text: string): void {
  const dr = uartBase + UartReg.DR;
  for (let i = 0; i < text.length; i++) t.write8(dr, text.charCodeAt(i) & 0xff);
}
