import { Fault, MPS2_AN505, STM32F407 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TaskProgram, TaskSpec } from "./config.js";
import type { TaskContext } from "./task-context.js";
import { bootTest, victim } from "./test-kit.js";

// The kernel meets task code wherever it reads a value the task made: what its main returns or
// throws, its iterator's results, a `main` that is a plain function. Whatever the value and
// whichever of its callbacks the attacker arms, that callback must run as the task (the core
// unprivileged), so its stores to MPU_CTRL and to another task's heap fault, and nobody but the
// attacker is hurt.

/** Where the attacker's value comes out of its code. */
type Exit = "throw" | "return" | "yield" | "main-throws" | "main-returns";
/** Which callback of the value is armed. */
type Trap = "getPrototypeOf" | "get" | "has" | "ownKeys" | "getOwnPropertyDescriptor" | "valueOf" | "toString";
/** What the value stands on: an Error, a Fault's prototype (it passes `instanceof Fault`), a plain object. */
type Base = "error" | "fault" | "object";

const EXITS: readonly Exit[] = ["throw", "return", "yield", "main-throws", "main-returns"];
const TRAPS: readonly Trap[] = [
  "getPrototypeOf",
  "get",
  "has",
  "ownKeys",
  "getOwnPropertyDescriptor",
  "valueOf",
  "toString",
];

/** The hostile value: each callback counts its calls; the armed one attempts the stores at call `at`. */
function hostile(base: Base, trap: Trap, at: number, attempt: () => void): unknown {
  let calls = 0;
  const arm = (kind: Trap) => {
    if (kind !== trap) return;
    calls++;
    if (calls === at) attempt();
  };
  const target: object =
    base === "error" ? new Error("boom") : base === "fault" ? Object.create(Fault.prototype) : { op: "yield" };
  const proto = Object.getPrototypeOf(target) as object;
  const primitive = {
    valueOf() {
      arm("valueOf");
      return 0x20000000;
    },
    toString() {
      arm("toString");
      return "x";
    },
  };
  return new Proxy(target, {
    getPrototypeOf() {
      arm("getPrototypeOf");
      return proto;
    },
    get(t, key) {
      arm("get");
      // Every field read is a number-like object: valueOf and toString are the value's too.
      return key === Symbol.toPrimitive || key === "then" ? undefined : (Reflect.get(t, key) ?? primitive);
    },
    has(t, key) {
      arm("has");
      return Reflect.has(t, key);
    },
    ownKeys(t) {
      arm("ownKeys");
      return Reflect.ownKeys(t);
    },
    getOwnPropertyDescriptor(t, key) {
      arm("getOwnPropertyDescriptor");
      return Reflect.getOwnPropertyDescriptor(t, key);
    },
  });
}

describe("property: a value a task hands the kernel runs its callbacks as the task", () => {
  for (const board of [STM32F407, MPS2_AN505]) {
    it(`never privileged, never past the task's view (${board.name})`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...EXITS),
          fc.constantFrom(...TRAPS),
          fc.constantFrom<Base>("error", "fault", "object"),
          fc.integer({ min: 1, max: 24 }),
          fc.constantFrom<TaskSpec["faultPolicy"]>("stop", { restart: 1 }),
          (exit, trap, base, at, policy) => {
            const k = bootTest({}, board);
            k.spawn(victim("va", 1, k, true));
            const target = k.task("va")!.heap!.base + 0x100;
            const before = [...k.machine.bus.peek(target, 4)];
            const privileged: boolean[] = [];
            const attempt = (t: TaskContext) => () => {
              privileged.push(k.machine.core.privileged); // the test's observation
              try {
                t.write32(0xe000ed94, 0); // MPU_CTRL
                t.write32(target, 0x41414141);
              } catch {
                // the task's fault, latched: the kernel takes it
              }
            };
            const body = function* (t: TaskContext): TaskProgram<unknown> {
              yield* t.yield();
              const v = hostile(base, trap, at, attempt(t));
              if (exit === "throw") throw v;
              if (exit === "yield") yield v as never;
              return v;
            };
            const main =
              exit === "main-throws" || exit === "main-returns"
                ? (t: TaskContext) => {
                    const v = hostile(base, trap, at, attempt(t));
                    if (exit === "main-throws") throw v;
                    return v;
                  }
                : body;
            k.spawn({ name: "evil", faultPolicy: policy, main: main as TaskSpec["main"] });
            const r = k.run({ ms: 20 });
            expect(["until", "no-tasks"]).toContain(r.reason);
            expect(privileged.every((p) => !p)).toBe(true);
            expect(k.machine.mpu.enabled).toBe(true);
            expect([...k.machine.bus.peek(target, 4)]).toEqual(before);
            expect(k.machine.core.pendingFault).toBe(null);
            expect(k.faults.every((f) => f.task === "evil")).toBe(true);
            expect(k.task("va")!.output).toHaveLength(10);
          },
        ),
        { seed: 0x2b, numRuns: 50 },
      );
    });
  }
});
