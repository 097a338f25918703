import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";

/** A sender whose 16-byte message has only its first 4 bytes written, and a receiver; the checker's policy as given. */
function run(onError?: "stop" | "stop-writes" | "continue") {
  const k = bootKernel({
    board: STM32F407,
    memcheck: onError === undefined ? true : { onError },
    queues: [{ name: "q", messageSize: 16, capacity: 2 }],
  });
  const seen: unknown[] = [];
  let msg = 0;
  k.spawn({
    name: "tx",
    priority: 2,
    queues: { q: "send" },
    *main(t) {
      msg = yield* t.malloc(16);
      t.write32(msg, 0x0a494948); // "HII\n": a struct whose other 12 bytes were never set
      seen.push(["send", yield* t.send("q", msg, 16)]);
      seen.push(["print", yield* t.print(msg, 4)]);
      yield* t.free(msg);
    },
  });
  k.spawn({
    name: "rx",
    queues: { q: "receive" },
    *main(t) {
      const p = yield* t.malloc(16);
      seen.push(["receive", yield* t.receive("q", p, 16)]);
      seen.push(["read", t.read32(p + 8)]); // written by the kernel's hand-off: initialized
      yield* t.free(p);
    },
  });
  k.run({ ms: 5 });
  return { k, seen, msg };
}

describe("a syscall given a buffer with uninitialized bytes (Memcheck's 'Syscall param ... points to uninitialised byte(s)')", () => {
  it("is reported once, naming the parameter and the first uninitialized byte; the send goes on (the default policy stops writes only)", () => {
    const { k, seen, msg } = run();
    expect(k.faults).toEqual([]);
    expect(seen).toEqual([
      ["send", 0],
      ["print", 4], // its 4 bytes are all written: no report
      ["receive", 16],
      ["read", 0],
    ]);
    expect(k.checker!.reports.map((r) => [r.kind, r.task, r.address, r.size, r.access, r.message])).toEqual([
      ["uninitialized-read", 1, msg + 4, 16, "read", "syscall param send(ptr) points to uninitialized byte(s)"],
    ]);
    expect(k.task("tx")!.output).toEqual(["HII"]);
  });

  it("under the 'stop' policy the caller faults with the checker's report (kind checker), nothing sent", () => {
    const { k, seen, msg } = run("stop");
    expect(seen).toEqual([]);
    expect(k.faults.map((f) => [f.task, f.kind, f.checker?.kind, f.checker?.address])).toEqual([
      ["tx", "checker", "uninitialized-read", msg + 4],
    ]);
    expect(k.queues.get("q")!.length).toBe(0);
  });

  it("a buffer running into a redzone is BAD_POINTER with the redzone's report, though bytes before it were never written", () => {
    const k = bootKernel({ board: STM32F407, memcheck: true, queues: [{ name: "q", messageSize: 16, capacity: 2 }] });
    let msg = 0;
    k.spawn({
      name: "tx",
      queues: { q: "send" },
      *main(t) {
        msg = yield* t.malloc(8);
        t.write32(msg, 1); // bytes 4..7 never written; the redzone follows at 8
        yield* t.send("q", msg, 12);
      },
    });
    k.run({ ms: 5 });
    expect(k.faults.map((f) => [f.task, f.kind, f.checker?.kind, f.checker?.address])).toEqual([
      ["tx", "bad-pointer", "heap-buffer-overflow", msg + 8],
    ]);
    expect(k.checker!.reports.map((r) => [r.kind, r.address, r.size])).toEqual([["heap-buffer-overflow", msg + 8, 12]]);
  });
});
