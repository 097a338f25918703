import { AccessKind, Cfsr, ExceptionNumber, Fault, MPS2_AN505, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import type { TaskSpec } from "./config.js";
import type { Kernel } from "./kernel.js";
import { sys } from "./syscalls.js";
import type { TaskContext } from "./task-context.js";
import { bootTest, victim } from "./test-kit.js";

// Attacks made of JavaScript rather than addresses: getters, Proxies and own properties that
// would run task code where the kernel reads what the task handed it, or report one thing to a
// check and another to the copy. Each must stay the attacker's problem: it faults (or is refused)
// and the victim runs exactly as without it.

/** A kernel with the victim `va` and the attacker; the victim's lines and the faults after `ms`. */
function attack(attacker: (k: Kernel) => TaskSpec, ms = 30) {
  const k = bootTest();
  k.spawn(victim("va", 1, k, true));
  k.spawn(attacker(k));
  const result = k.run({ ms });
  return { k, result, lines: k.task("va")!.output, faults: k.faults.map((f) => [f.task, f.kind, f.message]) };
}

const VICTIM_LINES = Array.from({ length: 10 }, (_, i) => `va ${i}`);

describe("a task's JavaScript cannot run as the kernel", () => {
  it("a getter in a syscall request is refused before the kernel takes the request: it never runs in Handler mode", () => {
    let ranPrivileged: boolean | null = null;
    const { k, lines, faults } = attack((kernel) => ({
      name: "evil",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        yield {
          op: "malloc",
          get size() {
            ranPrivileged = kernel.machine.core.privileged;
            t.write32(0xe000ed94, 0); // MPU_CTRL = 0: a privileged store, were it privileged
            return 16;
          },
        } as never;
      },
    }));
    expect(ranPrivileged).toBeNull(); // the copy reads descriptors, never calls a getter
    expect(faults).toEqual([
      ["evil", "uncaught", 'task "evil" threw TypeError: request field "size" is an accessor, not data'],
    ]);
    expect(k.machine.mpu.enabled).toBe(true);
    expect(lines).toEqual(VICTIM_LINES);
  });

  it("a Proxy request runs its traps as the task, unprivileged; the kernel gets a frozen copy of plain data", () => {
    const seen: boolean[] = [];
    let result: unknown = null;
    const { faults, lines } = attack((kernel) => ({
      name: "evil",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        const target = { op: "malloc", size: 16 };
        const handler: ProxyHandler<typeof target> = {
          getOwnPropertyDescriptor(o, key) {
            seen.push(kernel.machine.core.privileged);
            return Reflect.getOwnPropertyDescriptor(o, key);
          },
        };
        result = yield new Proxy(target, handler) as never;
        yield* t.free(result as number);
      },
    }));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((privileged) => !privileged)).toBe(true); // every trap ran as the task
    expect(result).toEqual(expect.any(Number));
    expect(result).not.toBe(0);
    expect(faults).toEqual([]);
    expect(lines).toEqual(VICTIM_LINES);
  });

  it("the argument-less requests the builders share cannot be changed, nor stood in for by a Proxy", () => {
    const seen: boolean[] = [];
    let mutated: unknown = null;
    const { faults, lines } = attack((kernel) => ({
      name: "evil",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        // sys.yield()'s shared request, taken by the dispatcher without a copy: frozen for good
        const shared = sys.yield() as { op: string };
        try {
          shared.op = "exit";
        } catch (e) {
          mutated = e;
        }
        // a Proxy of it is not the shared request: its traps run, as the task, at every yield
        const proxy = new Proxy(shared, {
          ownKeys(o) {
            seen.push(kernel.machine.core.privileged);
            return Reflect.ownKeys(o);
          },
        });
        yield proxy as never;
        yield proxy as never;
        yield* t.sleep({ ms: 100 });
      },
    }));
    expect(mutated).toBeInstanceOf(TypeError);
    expect(sys.yield()).toEqual({ op: "yield" });
    expect(seen).toEqual([false, false]);
    expect(faults).toEqual([]);
    expect(lines).toEqual(VICTIM_LINES);
  });

  it("a nested getter (a timeout's ms) is refused the same way", () => {
    let ran = false;
    const { faults } = attack(() => ({
      name: "evil",
      semaphores: { s: "take" },
      *main() {
        yield {
          op: "sem-take",
          sem: "s",
          timeout: {
            get ms() {
              ran = true;
              return 1;
            },
          },
        } as never;
      },
    }));
    expect(ran).toBe(false);
    expect(faults).toEqual([
      ["evil", "uncaught", 'task "evil" threw TypeError: request field "ms" is an accessor, not data'],
    ]);
  });

  it("the task context is frozen: an own `sp` getter cannot stand in for the one the kernel reads", () => {
    const { faults, lines } = attack(() => ({
      name: "evil",
      *main(t) {
        Object.defineProperty(t, "sp", { get: () => 0x20000000 });
        yield* t.info();
      },
    }));
    expect(faults).toEqual([
      ["evil", "uncaught", 'task "evil" threw TypeError: Cannot define property sp, object is not extensible'],
    ]);
    expect(lines).toEqual(VICTIM_LINES);
  });

  it("`this` of main is not the spec, and the kernel reads the rights it copied at spawn", () => {
    const k = bootTest();
    const results: number[] = [];
    k.spawn({
      name: "evil",
      *main(this: unknown, t) {
        results.push(this === undefined ? 1 : 0);
        results.push(yield* t.semGive("s")); // no right: EPERM
      },
    });
    const spec: TaskSpec = {
      name: "evil2",
      semaphores: {},
      *main(t) {
        // The caller's object, reached by closure: the kernel does not read it any more.
        (spec.semaphores as Record<string, string>).s = "both";
        (spec as { semaphores: Record<string, string> }).semaphores = { s: "both" };
        results.push(yield* t.semGive("s"));
      },
    };
    k.spawn(spec);
    k.run({ ms: 5 });
    expect(results).toEqual([1, -1, -1]);
    expect(k.semaphores.get("s")!.count).toBe(0);
    expect(k.faults).toEqual([]);
  });

  // What a task throws reaches the kernel's fault handler. The handler read it in Handler mode
  // (its `instanceof Fault` before reading CFSR: a Proxy's getPrototypeOf trap, the ninth the
  // error meets) and looked up whose memory a thrown Fault's address is inside a debugger access
  // (the address's valueOf): task code that ran privileged there turned the MPU off.
  describe("what a task throws is read as the task, never in the fault handler's Handler mode", () => {
    /** Runs `evil` beside the victim; `privileged` records the core's privilege at each attacker callback. */
    function thrown(make: (t: TaskContext, attempt: () => void, k: Kernel) => unknown) {
      const k = bootTest();
      k.spawn(victim("va", 1, k, true));
      const target = k.task("va")!.heap!.base + 0x100;
      const before = [...k.machine.bus.peek(target, 4)];
      const privileged: boolean[] = [];
      k.spawn({
        name: "evil",
        *main(t) {
          yield* t.yield();
          const attempt = () => {
            privileged.push(k.machine.core.privileged); // the test's observation, not the attacker's
            try {
              t.write32(0xe000ed94, 0); // MPU_CTRL
              t.write32(target, 0x41414141);
            } catch {
              // as the task: a BusFault, latched; the kernel goes on
            }
          };
          throw make(t, attempt, k);
        },
      });
      const result = k.run({ ms: 30 });
      return { k, result, privileged, victimWord: [...k.machine.bus.peek(target, 4)], before };
    }

    it("a Proxy's getPrototypeOf trap: every call is unprivileged (the ninth was the handler's check for a Fault); the MPU stays on", () => {
      let calls = 0;
      const traps: boolean[] = [];
      const { k, result, privileged, victimWord, before } = thrown((_t, attempt, kernel) => {
        const target = new Error("x");
        return new Proxy(target, {
          getPrototypeOf() {
            traps.push(kernel.machine.core.privileged); // the test's observation
            calls++;
            if (calls === 9) attempt();
            return Object.getPrototypeOf(target);
          },
        });
      });
      expect(["until", "no-tasks"]).toContain(result.reason);
      expect([traps.length > 0, traps.every((p) => !p), privileged.every((p) => !p)]).toEqual([true, true, true]);
      expect(k.machine.mpu.enabled).toBe(true);
      expect(victimWord).toEqual(before);
      expect(k.faults.map((f) => [f.task, f.kind, f.message])).toEqual([
        ["evil", "uncaught", 'task "evil" threw Error: x'],
      ]);
      expect(k.task("va")!.output).toEqual(VICTIM_LINES);
    });

    it("a Fault the task made (its address a valueOf) is not a hardware fault: uncaught, the address never read", () => {
      const { k, result, privileged, victimWord, before } = thrown((_t, attempt) => {
        const address = {
          valueOf() {
            attempt();
            return 0x20000000;
          },
          toString: () => "20000000",
        };
        return new Fault({
          exception: ExceptionNumber.MemManage,
          cause: ExceptionNumber.MemManage,
          cfsr: Cfsr.DACCVIOL | Cfsr.MMARVALID,
          hfsr: 0,
          faultAddress: address as never,
          access: { address: 0x20000000, size: 4, kind: AccessKind.Read, privileged: false, actor: 0 },
          lockup: false,
        });
      });
      expect(["until", "no-tasks"]).toContain(result.reason);
      expect(privileged.every((p) => !p)).toBe(true);
      expect(k.machine.mpu.enabled).toBe(true);
      expect(victimWord).toEqual(before);
      const f = k.faults[0]!;
      expect([k.faults.length, f.task, f.kind, f.hw, f.memory]).toEqual([1, "evil", "uncaught", undefined, undefined]);
      expect(f.message).toBe(
        'task "evil" threw Fault: MemManage DACCVIOL|MMARVALID at 0x20000000 on read of 4 byte(s) at 0x20000000',
      );
      expect(k.task("va")!.output).toEqual(VICTIM_LINES);
    });

    it("a trap that faults while the handler classifies the error latches nothing the handler trips on", () => {
      let calls = 0;
      const { k, result, privileged, victimWord, before } = thrown((_t, attempt) => {
        const target = new Error("y");
        return new Proxy(target, {
          getPrototypeOf() {
            calls++;
            if (calls === 3) attempt();
            return Object.getPrototypeOf(target);
          },
        });
      });
      expect(["until", "no-tasks"]).toContain(result.reason);
      expect(privileged).toEqual([false]);
      expect(k.machine.mpu.enabled).toBe(true);
      expect(victimWord).toEqual(before);
      expect(k.machine.core.pendingFault).toBe(null);
      expect(k.faults.map((f) => [f.task, f.kind])).toEqual([["evil", "uncaught"]]);
      expect(k.task("va")!.output).toEqual(VICTIM_LINES);
    });
  });

  // A `main` that is a plain function returning a generator (it type-checks as a TaskMain) runs
  // its body when the kernel calls it. That call was made at spawn, inside the kernel's own work
  // (Handler mode, the kernel's actor), and again at a restart: the body read the kernel's
  // memory, wrote another task's heap and turned the MPU off for the rest of the run.
  for (const board of [STM32F407, MPS2_AN505]) {
    describe(`a main that is a plain function runs its body as the task, at its first step (${board.name})`, () => {
      function evil(attempt: (t: TaskContext, k: Kernel) => void, log: string[], k: Kernel): TaskSpec {
        return {
          name: "evil",
          main: ((t: TaskContext) => {
            log.push(`called at step ${k.schedTask(k.task("evil")!).stats.steps}`);
            attempt(t, k);
            log.push("not stopped");
            return (function* () {
              yield* t.yield();
            })();
          }) as TaskSpec["main"],
        };
      }
      function run(attempt: (t: TaskContext, k: Kernel) => void) {
        const k = bootTest({}, board);
        k.spawn(victim("va", 1, k, true));
        const log: string[] = [];
        k.spawn(evil(attempt, log, k));
        k.run({ ms: 30 });
        const f = k.faults.map((x) => [x.task, x.kind, x.hw?.cfsr, x.hw?.faultAddress]);
        return { k, log, f, lines: k.task("va")!.output };
      }

      it("a store to MPU_CTRL is a BusFault (CFSR 0x8200, BFAR 0xE000ED94); the MPU stays on", () => {
        const { k, log, f, lines } = run((t) => t.write32(0xe000ed94, 0));
        expect(log).toEqual(["called at step 0"]);
        expect(f).toEqual([["evil", "busfault", 0x8200, 0xe000ed94]]);
        expect(k.machine.mpu.enabled).toBe(true);
        expect(lines).toEqual(VICTIM_LINES);
      });

      it("a store to another task's heap is MemManage DACCVIOL at that address; the word is unchanged", () => {
        let target = 0;
        const { k, log, f, lines } = run((t, kernel) => {
          target = kernel.task("va")!.heap!.base + 0x100;
          t.write32(target, 0x41414141);
        });
        expect(log).toEqual(["called at step 0"]);
        expect(f).toEqual([["evil", "memmanage", 0x82, target]]);
        expect([...k.machine.bus.peek(target, 4)]).not.toEqual([0x41, 0x41, 0x41, 0x41]);
        expect(lines).toEqual(VICTIM_LINES);
      });

      it("a load of kernel memory is MemManage DACCVIOL at the kernel block, also when a restart calls main again", () => {
        let calls = 0;
        const k = bootTest({}, board);
        k.spawn(victim("va", 1, k, true));
        k.spawn({
          name: "evil",
          faultPolicy: { restart: 2 },
          main: ((t: TaskContext) => {
            calls++;
            t.read32(k.kernelBlock.base);
            return (function* () {})();
          }) as TaskSpec["main"],
        });
        k.run({ ms: 30 });
        expect(calls).toBe(3);
        expect(k.faults.map((x) => [x.task, x.kind, x.hw?.cfsr, x.hw?.faultAddress, x.action])).toEqual([
          ["evil", "memmanage", 0x82, k.kernelBlock.base, "restarted"],
          ["evil", "memmanage", 0x82, k.kernelBlock.base, "restarted"],
          ["evil", "memmanage", 0x82, k.kernelBlock.base, "stopped"],
        ]);
        expect(k.task("va")!.output).toEqual(VICTIM_LINES);
      });
    });
  }
});

describe("a task's JavaScript cannot make the kernel misbehave", () => {
  it("writeBytes copies first: an array-like reporting one length to the check and another to the copy writes what was checked", () => {
    let wrote = -1;
    const { faults, lines } = attack((kernel) => ({
      name: "evil",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        const p = yield* t.malloc(16);
        const far = kernel.task("va")!.heap!.base + 64 - p; // into the victim's heap, were it believed
        let reads = 0;
        const data = new Proxy(
          {},
          {
            get(_, key) {
              if (key === "length") return reads++ === 0 ? 1 : far;
              return typeof key === "string" && /^\d+$/.test(key) ? 0x41 : undefined;
            },
          },
        ) as Uint8Array;
        t.writeBytes(p, data);
        wrote = t.read8(p);
        yield* t.free(p);
      },
    }));
    expect(wrote).toBe(0x41);
    expect(faults).toEqual([]);
    expect(lines).toEqual(VICTIM_LINES);
  });

  it("writeBytes takes an array-like's length as a length argument: negative, fractional or NaN is BAD_ARGUMENT, never a RangeError or an empty write", () => {
    const seen: unknown[] = [];
    const { faults, lines } = attack(() => ({
      name: "evil",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        const p = yield* t.malloc(16);
        t.fill(p, 0, 16);
        for (const length of [-1, 1.5, Number.NaN, 2 ** 32, "4"]) {
          try {
            t.writeBytes(p, { length, 0: 0x41, 1: 0x41, 2: 0x41, 3: 0x41 } as unknown as Uint8Array);
            seen.push("done");
          } catch (e) {
            seen.push([(e as Error).name, (e as { code?: string }).code]);
          }
        }
        t.writeBytes(p, [1, 2, 3] as unknown as Uint8Array); // an array of numbers
        t.writeBytes(p + 3, new Uint16Array([0x104, 5]) as unknown as Uint8Array); // elements taken mod 256
        seen.push(Array.from(t.readBytes(p, 6)));
        yield* t.free(p);
      },
    }));
    expect(seen).toEqual([...new Array(5).fill(["KernelError", "BAD_ARGUMENT"]), [1, 2, 3, 4, 5, 0]]);
    expect(faults).toEqual([]);
    expect(lines).toEqual(VICTIM_LINES);
  });

  it("readBytes, fill and writeString take plain values: a valueOf length (4 for the check, 16 KiB for the copy) is BAD_ARGUMENT and never runs", () => {
    const seen: unknown[] = [];
    let before: Uint8Array | null = null;
    const { k, faults, lines } = attack((kernel) => ({
      name: "evil",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        const p = yield* t.malloc(16);
        const bus = kernel.machine.bus;
        const sram = bus.regionAt(p)!;
        before = bus.peek(sram.start, sram.size); // a test-side look: every byte of the SRAM
        let calls = 0;
        const len = {
          valueOf: () => (++calls <= 3 ? 4 : 0x4000),
        } as unknown as number;
        const tries: Array<[string, () => unknown]> = [
          ["readBytes", () => t.readBytes(p, len)],
          ["fill", () => t.fill(p, 0xab, len)],
          ["fill value", () => t.fill(p, { valueOf: () => 0xab } as unknown as number, 4)],
          ["writeString", () => t.writeString(p, { length: 0x4000, charCodeAt: () => 0xab } as unknown as string)],
        ];
        for (const [what, attempt] of tries) {
          try {
            attempt();
            seen.push([what, "done"]);
          } catch (e) {
            seen.push([what, (e as { code?: string }).code]);
          }
        }
        seen.push(["valueOf calls", calls]);
        yield* t.free(p);
      },
    }));
    expect(seen).toEqual([
      ["readBytes", "BAD_ARGUMENT"],
      ["fill", "BAD_ARGUMENT"],
      ["fill value", "BAD_ARGUMENT"],
      ["writeString", "BAD_ARGUMENT"],
      ["valueOf calls", 0],
    ]);
    expect(faults).toEqual([]);
    expect(lines).toEqual(VICTIM_LINES);
    // nothing of the SRAM took the attacker's 0xab (the victim's own writes are its ordinary ones)
    const b = before!;
    const sram = k.machine.bus.regionAt(k.task("va")!.heap!.base)!;
    const after = k.machine.bus.peek(sram.start, sram.size);
    const filled = after.findIndex((x, i) => x === 0xab && b[i] !== 0xab);
    expect(filled).toBe(-1);
  });

  it("branch reads its address once: the address fetched is the one the task resumes at", () => {
    const seen: number[] = [];
    const { faults, lines } = attack((kernel) => ({
      name: "evil",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        const own = t.pc;
        let calls = 0;
        // its own code for the fetch check, then the victim's code for where it runs on
        const sly = { valueOf: () => (calls++ === 0 ? own + 0x40 : kernel.task("va")!.code) } as unknown as number;
        t.branch(sly);
        seen.push(calls, t.pc - own);
        yield* t.yield();
        seen.push(t.pc - own);
      },
    }));
    expect(seen).toEqual([1, 0x40, 0x40]);
    expect(faults).toEqual([]);
    expect(lines).toEqual(VICTIM_LINES);
  });

  it("a fault the task swallows inside a getter the dispatcher reads stays the task's: the next task is untouched", () => {
    const { faults, lines } = attack((kernel) => ({
      name: "evil",
      *main() {
        yield {
          get op() {
            try {
              return String(kernel.machine.core.read32(kernel.kernelBlock.base)); // MemManage, swallowed
            } catch {
              return "yield";
            }
          },
        } as never;
      },
    }));
    // The copy refuses the accessor before calling it: nothing faults in the kernel's hands.
    expect(faults).toEqual([
      ["evil", "uncaught", 'task "evil" threw TypeError: request field "op" is an accessor, not data'],
    ]);
    expect(lines).toEqual(VICTIM_LINES);
  });

  it("what a task throws or returns cannot throw out of k.run: each is a fault of that task, by policy", () => {
    const cases: ((k: Kernel) => TaskSpec["main"])[] = [
      () =>
        function* () {
          const { proxy, revoke } = Proxy.revocable({}, {});
          revoke();
          yield proxy as never;
        },
      () => (() => ({ next: () => undefined, return: () => undefined, throw: () => undefined })) as never,
      () =>
        function* () {
          const e = new Error("x");
          Object.defineProperty(e, "message", {
            get() {
              throw new Error("boom from message");
            },
          });
          throw e;
        },
    ];
    const seen: string[] = [];
    for (const main of cases) {
      const { result, faults, lines } = attack((k) => ({ name: "evil", main: main(k) }));
      expect(["until", "no-tasks"]).toContain(result.reason); // k.run returned
      expect(lines).toEqual(VICTIM_LINES);
      expect(faults.map((f) => f.slice(0, 2))).toEqual([["evil", "uncaught"]]);
      seen.push(faults[0]![2]!);
    }
    expect(seen).toEqual([
      "task \"evil\" threw TypeError: Cannot perform 'ownKeys' on a proxy that has been revoked",
      'task "evil" threw TypeError: the task\'s iterator returned undefined',
      'task "evil" threw an error whose description threw',
    ]);
  });

  it("a fault the task catches is frozen: its record says what the core set, whatever the task tries", () => {
    let rewritten: boolean | null = null;
    const { k, lines } = attack((kernel) => ({
      name: "evil",
      *main(t) {
        try {
          t.read32(kernel.kernelBlock.base);
        } catch (e) {
          rewritten = Reflect.set(e as object, "faultAddress", 0x1234) || Reflect.set(e as object, "message", "fine");
        }
        yield* t.yield();
      },
    }));
    expect(rewritten).toBe(false);
    const f = k.faults.find((x) => x.task === "evil")!;
    expect([f.kind, f.hw?.faultAddress, f.message]).toEqual([
      "memmanage",
      k.kernelBlock.base,
      expect.stringContaining("DACCVIOL"),
    ]);
    expect(lines).toEqual(VICTIM_LINES);
  });
});
