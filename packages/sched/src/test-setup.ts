import { createMachine, type Machine, STM32F407 } from "@rtos-sim/hw";
import type { SchedulerOptions } from "./options.js";
import { Scheduler } from "./scheduler.js";

/** STM32F407 at 168 MHz, 1 kHz SysTick (168 000 cycles per tick), zero syscall and switch costs unless given. */
export function setup<D = unknown>(
  options: Partial<SchedulerOptions<D>> = {},
): { machine: Machine; sched: Scheduler<D> } {
  const machine = createMachine(STM32F407);
  const sched = new Scheduler<D>({ machine, tickHz: 1000, costs: { syscall: 0, contextSwitch: 0 }, ...options });
  return { machine, sched };
}

/** Cycles per tick of {@link setup}. */
export const CPT = 168_000;
