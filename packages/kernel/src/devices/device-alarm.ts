import type { Core } from "@rtos-sim/hw";
import type { AlarmSlot } from "../alarm-mux.js";
import type { DeviceAlarm } from "./types.js";

/**
 * A device's alarm on simulated time over a channel of the core's cycle alarm (the kernel's
 * `AlarmMux`, shared with the SysTick and the watchdog). The core's alarm counts core cycles,
 * which stop while the CPU idles and simulated time jumps: `now` is simulated time, so the
 * alarm is set `delay` core cycles ahead and its callback is given the simulated cycle the
 * access that fired it reaches. A device whose deadline moved with idle time sets it again
 * (the DMA does at each task switch).
 */
export function deviceAlarm(core: Core, slot: AlarmSlot, now: () => number): DeviceAlarm {
  return {
    after(delay, fn) {
      if (fn === null) slot.setAlarm(Number.POSITIVE_INFINITY, null);
      else slot.setAlarm(core.cycles + Math.max(0, delay), (due) => fn(now() + (due - core.cycles)));
    },
  };
}
