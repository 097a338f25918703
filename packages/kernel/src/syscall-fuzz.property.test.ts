import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SYSCALL_OPS } from "./syscall-handlers/table.js";
import { bootTest, victim } from "./test-kit.js";

// Untrusted requests: whatever a task yields as a syscall (a known or unknown op, any fields of
// any plain value: addresses of kernel memory and of the victim's heap, huge and negative
// numbers, NaN, strings, objects), the kernel answers it (a result, an error return) or faults
// the task by its policy, as a bad syscall, a bad pointer or a heap error; never an exception out
// of kernel.run, never a TypeError or RangeError of the kernel's own code in a fault message, and
// the victim task runs exactly as it does alone.

const VICTIM_LINES = Array.from({ length: 10 }, (_, i) => `va ${i}`);
/** What a rogue request may fault its task as (a request the dispatcher's copy refuses is "uncaught"). */
const KINDS = ["bad-syscall", "bad-pointer", "heap", "checker", "memmanage", "busfault", "uncaught"];

const FIELDS = [
  "op",
  "size",
  "n",
  "ptr",
  "align",
  "sem",
  "mutex",
  "queue",
  "partition",
  "task",
  "access",
  "src",
  "dst",
  "length",
  "label",
  "timeout",
  "ms",
  "ticks",
  "buf",
  "len",
  "__proto__",
];

/** A plain field value: the addresses that matter (kernel memory, the victim's heap), the names, the edges. */
const VALUE = fc.oneof(
  fc.constantFrom(
    0,
    1,
    -1,
    16,
    4096,
    0x20000000,
    0x2001fff0,
    0x10000000,
    0x08000000,
    0xe000ed94,
    0xffffffff,
    0x1_0000_0000,
    2 ** 53,
    Number.NaN,
    Infinity,
    -0,
    0.5,
    "shared",
    "secret",
    "q",
    "s",
    "va",
    "evil",
    "rw",
    "ro",
    "",
    null,
    true,
  ),
  fc.constantFrom({ ms: 1 }, { ticks: -1 }, { ms: Number.NaN }, [], [1, 2], 10n, Symbol("op")),
  fc.constant(null).map(() => Object.create(null) as unknown),
  fc.string({ maxLength: 4 }),
  fc.integer(),
);

const REQUEST = fc
  .tuple(
    fc.oneof({ arbitrary: fc.constantFrom(...SYSCALL_OPS), weight: 4 }, VALUE),
    fc.array(fc.tuple(fc.constantFrom(...FIELDS.slice(1)), VALUE), { maxLength: 6 }),
  )
  .map(([op, fields]) => {
    const req: Record<string, unknown> = { op };
    for (const [k, v] of fields) Object.defineProperty(req, k, { value: v, enumerable: true, writable: true });
    return req;
  });

describe("syscall requests under fuzzing", () => {
  it("a rogue task's random requests: answered or faulted by policy; the kernel and the victim go on", () => {
    fc.assert(
      fc.property(fc.array(REQUEST, { minLength: 1, maxLength: 4 }), fc.boolean(), (requests, memcheck) => {
        const k = bootTest({ memcheck });
        k.spawn(victim("va", 1, k, true));
        k.spawn({
          name: "evil",
          partitions: { shared: "ro" },
          queues: { q: "both" },
          semaphores: { s: "give" },
          *main() {
            for (const r of requests) yield r as never;
          },
        });
        k.run({ ms: 30 });
        expect(k.task("va")!.output).toEqual(VICTIM_LINES);
        for (const f of k.faults) {
          const where = `${JSON.stringify(requests, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))}: ${f.message}`;
          expect(f.task, where).toBe("evil");
          expect(KINDS, where).toContain(f.kind);
          // The dispatcher's copy refuses a symbol, a function or a deep object with a TypeError thrown
          // in the task's own step (sched's copyRequest, by design); any other one is the kernel's bug.
          const refusedCopy = /threw TypeError: (a )?request field/.test(f.message);
          if (!refusedCopy) expect(f.message, where).not.toMatch(/TypeError|RangeError|ReferenceError|\(reading/);
        }
        // The kernel goes on: a task spawned now runs.
        let ran = false;
        k.spawn({
          name: "after",
          *main(t) {
            ran = true;
            yield* t.sleep({ ms: 1 });
          },
        });
        k.run({ ms: 35 }); // until 35 ms from the start
        expect(ran).toBe(true);
      }),
      { numRuns: 120, seed: 0xf022001 },
    );
  });

  it('a request with an own "__proto__" field is taken as plain data (the dispatcher\'s copy threw a TypeError at the task)', () => {
    const k = bootTest();
    k.spawn(victim("va", 1, k, true));
    let after = false;
    k.spawn({
      name: "evil",
      *main() {
        yield JSON.parse('{"op": "yield", "__proto__": {"ms": 1}, "ms": {}}') as never;
        after = true;
      },
    });
    k.run({ ms: 30 });
    expect(k.faults).toEqual([]);
    expect(after).toBe(true);
    expect(k.task("va")!.output).toEqual(VICTIM_LINES);
  });
});
