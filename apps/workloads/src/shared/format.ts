/** Formatting helpers for people: the CLI's tables, human output and HTML report, and the apps' notes. */

/** `0x` and 8 upper-case hex digits, e.g. `0x2001C000`. */
export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;
}

/** A byte count in the largest exact binary unit, e.g. `112 KiB`, `528 B`, `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"] as const;
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, "");
  return `${text} ${units[i]}`;
}

/** A stack or heap peak at or above this share of its size is flagged: little headroom left. */
export const HEADROOM_SHARE = 0.9;

/** Whether a stack or heap peaked at {@link HEADROOM_SHARE} of its size or more (false when not measured). */
export function isNearlyFull(use: { readonly size: number; readonly peak: number } | null): boolean {
  return use !== null && use.peak >= HEADROOM_SHARE * use.size;
}

/**
 * A task's stack or heap peak for a table: bytes and share of the size, e.g. `660 B (66%)`; `-`
 * when the run did not measure it. The share is rounded down, so only a full stack reads 100%.
 */
export function formatPeak(use: { readonly size: number; readonly peak: number } | null): string {
  if (use === null) return "-";
  const share = use.size > 0 ? Math.floor((100 * use.peak) / use.size) : 0;
  return `${formatBytes(use.peak)} (${share}%)`;
}

/** A frequency, e.g. `168 MHz`, `25 MHz`, `32.768 kHz`. */
export function formatHz(hz: number): string {
  if (hz >= 1e6) return `${+(hz / 1e6).toFixed(3)} MHz`;
  if (hz >= 1e3) return `${+(hz / 1e3).toFixed(3)} kHz`;
  return `${hz} Hz`;
}

/** A simulated time given in microseconds, e.g. `1.000 s`, `12.500 ms`, `3.2 us`. */
export function formatTime(us: number): string {
  if (us >= 1e6) return `${(us / 1e6).toFixed(3)} s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(3)} ms`;
  return `${+us.toFixed(3)} us`;
}

/** A share in [0, 1] as a percentage with two decimals, e.g. `12.34%`. */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(2)}%`;
}

/**
 * What a fault policy's action (`FaultRecord.action`) did, as a sentence part: `stopped` and
 * `restarted` say it of the task, `panic` of the kernel; any other action is shown as it is.
 *
 * @example
 * ```ts
 * import { formatAction } from "@rtos-sim/apps";
 * console.log(formatAction("panic")); // kernel panic: the run ended
 * ```
 */
export function formatAction(action: string): string {
  if (action === "stopped" || action === "restarted") return `the task was ${action}`;
  if (action === "panic") return "kernel panic: the run ended";
  return action;
}

/** A count and its noun, plural unless the count is 1: `1 telemetry line`, `0 samples`, `3 samples`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
