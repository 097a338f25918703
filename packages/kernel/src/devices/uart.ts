import { actorTask, type Peripheral, type PeripheralAccess } from "@rtos-sim/hw";
import type { DeviceKind } from "./types.js";

/** USART register offsets (STM32 layout: SR 0x00, DR 0x04). */
export const UartReg = {
  /** Status register: reads 0xC0 (TXE | TC: always ready to transmit). */
  SR: 0x00,
  /**
   * Data register: a write transmits its low byte; "\n" (0x0A) ends the writing task's line, as
   * does its {@link UART_LINE_MAX}th byte. Reads 0.
   */
  DR: 0x04,
} as const;

/**
 * The longest line the console UART holds for a task: a task that writes this many bytes without
 * a "\n" has them passed on as a line of their own (as a terminal wraps a long line), so a task
 * that never ends its line cannot grow the kernel's memory without bound.
 */
export const UART_LINE_MAX = 1024;

/**
 * A UART whose transmitted bytes are captured per task (the task id packed in the core's actor
 * tag when the data register is written). SR always reads TXE|TC (ready).
 */
export class Uart implements Peripheral {
  readonly name: string;
  readonly size = 0x400;
  private readonly lines = new Map<number, number[]>();
  /** Called with (task id, line) for every completed line ("\n"). */
  onLine: ((task: number, line: string) => void) | null = null;

  constructor(name = "UART") {
    this.name = name;
  }

  /** SR reads 0xC0 (TXE | TC), every other offset 0. */
  read(offset: number): number {
    return offset === UartReg.SR ? 0xc0 : 0;
  }

  /**
   * A DR write appends its low byte to the line of the task in the access's actor tag; "\n"
   * completes the line (without it) for {@link Uart.onLine}, and so does a line reaching {@link
   * UART_LINE_MAX} bytes. Other offsets ignore writes.
   */
  write(offset: number, _size: 1 | 2 | 4, value: number, access: PeripheralAccess): void {
    if (offset !== UartReg.DR) return;
    const task = actorTask(access.actor);
    let buf = this.lines.get(task);
    if (!buf) {
      buf = [];
      this.lines.set(task, buf);
    }
    const ch = value & 0xff;
    if (ch !== 0x0a) buf.push(ch);
    if (ch === 0x0a || buf.length === UART_LINE_MAX) {
      const line = String.fromCharCode.apply(null, buf);
      buf.length = 0;
      this.onLine?.(task, line);
    }
  }
}

/** The console UART role: completed lines go to the kernel's output of the writing task. */
export const uartDevice: DeviceKind<Uart> = {
  summary: "console UART (USART data register at +0x04); lines captured per task",
  create(name, env) {
    const uart = new Uart(name);
    uart.onLine = (task, line) => env.onLine(task, line);
    return uart;
  },
};
