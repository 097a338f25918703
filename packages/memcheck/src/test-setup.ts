/**
 * Shared fixture of memcheck's tests (not exported from the package): an STM32F407 with the
 * checker attached, image data at 0x20000000 (1 KiB), region-manager metadata at 0x20000400
 * (256 B), a 16 KiB heap arena at 0x20001000 given to a {@link TestAllocator}, tasks 1 "sensor"
 * and 2 "logger", and a millisecond clock the test advances.
 */
import { ActorMode, createMachine, type Machine, makeActor, STM32F407 } from "@rtos-sim/hw";
import { MemoryChecker } from "./checker.js";
import type { CheckerOptions } from "./options.js";
import { TestAllocator } from "./test-allocator.js";

/** Image data range of the fixture. */
export const DATA = 0x20000000;
/** Metadata range of the fixture. */
export const META = 0x20000400;
/** Heap arena of the fixture. */
export const HEAP = 0x20001000;
/** Heap arena size. */
export const HEAP_SIZE = 0x4000;
/** First block the test allocator hands out in a fresh arena (after its 1 KiB control area and a header). */
export const FIRST_BLOCK = HEAP + 1032 + 8;
/** Task ids of the fixture. */
export const SENSOR = 1;
export const LOGGER = 2;

/** The fixture. */
export interface Fixture {
  readonly m: Machine;
  readonly checker: MemoryChecker;
  readonly heap: TestAllocator;
  /** Run as user code of a task. */
  user(task: number): void;
  /** Run as kernel code (task 0). */
  kernel(): void;
  /** Advance the clock (ms). */
  tick(ms: number): void;
}

/** Builds the fixture; the default policy here is "continue" so tests can read the reports. */
export function setup(options: CheckerOptions = {}): Fixture {
  const m = createMachine(STM32F407);
  let now = 0;
  const names = ["boot", "sensor", "logger"];
  const checker = new MemoryChecker(m, {
    clock: () => now,
    timeUnit: "ms",
    taskName: (t) => names[t] ?? `T${t}`,
    data: [{ start: DATA, size: 0x400, name: "data" }],
    metadata: [{ start: META, size: 0x100 }],
    onError: "continue",
    ...options,
  }).attach();
  checker.pagesGiven(HEAP, HEAP_SIZE, "heap");
  const heap = new TestAllocator(m.core, HEAP, HEAP_SIZE, "heap");
  heap.observer = checker;
  return {
    m,
    checker,
    heap,
    user: (task) => {
      m.core.actor = makeActor(ActorMode.User, task);
    },
    kernel: () => {
      m.core.actor = makeActor(ActorMode.Kernel, 0);
    },
    tick: (ms) => {
      now += ms;
    },
  };
}
