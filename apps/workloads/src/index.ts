/**
 * The simulated apps of rtos-sim (work in progress).
 * @packageDocumentation
 */
export const APPS = [] as const;
