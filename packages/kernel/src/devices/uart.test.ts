import { ActorMode, makeActor } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { UART_LINE_MAX, Uart, UartReg } from "./uart.js";

describe("the console UART", () => {
  const writer = (task: number) => ({ privileged: false, actor: makeActor(ActorMode.User, task) });

  it("keeps a line per task and passes it on at '\\n', without it", () => {
    const u = new Uart();
    const lines: [number, string][] = [];
    u.onLine = (task, line) => lines.push([task, line]);
    for (const ch of "ab") u.write(UartReg.DR, 1, ch.charCodeAt(0), writer(1));
    u.write(UartReg.DR, 4, 0x1234_5678 /* low byte 'x' */, writer(2));
    u.write(UartReg.SR, 1, 0x0a, writer(1)); // not the data register: ignored
    u.write(UartReg.DR, 1, 0x0a, writer(1));
    u.write(UartReg.DR, 1, 0x0a, writer(2));
    expect(lines).toEqual([
      [1, "ab"],
      [2, "x"],
    ]);
    expect([u.read(UartReg.SR), u.read(UartReg.DR)]).toEqual([0xc0, 0]);
  });

  it("passes a line on at UART_LINE_MAX bytes without '\\n' (a task that never ends its line holds 1 KiB)", () => {
    const u = new Uart();
    const lines: string[] = [];
    u.onLine = (_task, line) => lines.push(line);
    // 300,000 bytes without a newline: a spread of them into fromCharCode would overflow the stack.
    for (let i = 0; i < 300_000; i++) u.write(UartReg.DR, 1, 0x41 + (i % 26), writer(3));
    u.write(UartReg.DR, 1, 0x0a, writer(3));
    expect(UART_LINE_MAX).toBe(1024);
    expect(lines.map((l) => l.length)).toEqual([...Array(292).fill(1024), 300_000 - 292 * 1024]);
    expect(lines[1]![0]).toBe(String.fromCharCode(0x41 + (1024 % 26))); // the second line starts at byte 1024
  });
});
