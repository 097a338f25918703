/**
 * Corpus, stack bugs (ASan's stack-buffer-overflow, stack-buffer-underflow and
 * stack-use-after-return tests; Memcheck's "below stack pointer"; a stack overflow): a write one
 * past a call frame's local array and one before it (by index -1 and by address), a read and a
 * write through a pointer to a returned frame's local, a recursion deep enough to leave the
 * stack (the checker's `stack-overflow` when SP moves below the stack's base), a read below SP,
 * and another task's stack (the MPU stops it first: no report, a MemManage fault).
 */
import { describe, expect, it } from "vitest";
import { localAddress } from "../data/call-stack.js";
import { fn } from "../data/frames.js";
import { array, u8, u32 } from "../data/types.js";
import { type CorpusCase, outcome, report, runCase } from "./rig.js";

/** `int parse(...) { uint32_t len; char name[8]; uint32_t crc; ... }` */
const PARSE = fn("parse", { locals: { len: u32, name: array(u8, 8), crc: u32 } });

/** The frame of PARSE with the checker's 32-byte redzones (176 bytes). */
const FRAME = PARSE.layout(32).size;

const CASES: CorpusCase[] = [
  {
    name: "name[8] = 0 on a local char name[8]: stack-buffer-overflow, 0 bytes to the right of 'name'",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t, { m }) {
      const f = t.enter(PARSE);
      m.s = localAddress(f, "name");
      f.locals.name.set(8, 0);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "stack-buffer-overflow",
            address: m.s! + 8,
            size: 1,
            access: "write",
            frame: "0 right 'name' of parse (live)",
          }),
        ],
        state: "faulted",
        fault: "checker stack-buffer-overflow",
      }),
  },
  {
    name: "name[-1] = 0 (stack-buffer-underflow): 1 byte to the left of 'name'",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t, { m }) {
      const f = t.enter(PARSE);
      m.s = localAddress(f, "name");
      f.locals.name.set(-1, 0);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "stack-buffer-overflow",
            address: m.s! - 1,
            size: 1,
            access: "write",
            frame: "1 left 'name' of parse (live)",
          }),
        ],
        state: "faulted",
        fault: "checker stack-buffer-overflow",
      }),
  },
  {
    name: "a word read 4 bytes before 'name' through its address: 4 bytes to the left of it",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t, { m }, seen) {
      const f = t.enter(PARSE);
      m.s = localAddress(f, "name");
      f.locals.name.set(0, 1);
      seen.push(t.read32(m.s - 4));
      t.leave(f);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "stack-buffer-overflow",
            address: m.s! - 4,
            size: 4,
            access: "read",
            frame: "4 left 'name' of parse (live)",
          }),
        ],
        seen: [0xa5a5a5a5],
      }),
  },
  {
    name: "read through the pointer to a returned frame's local (stack-use-after-return): the task goes on",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t, { m }, seen) {
      const f = t.enter(PARSE);
      m.s = localAddress(f, "name");
      f.locals.name.set(0, 0x41);
      t.leave(f);
      seen.push(t.read8(m.s));
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "stack-use-after-return",
            address: m.s!,
            size: 1,
            access: "read",
            frame: "0 inside 'name' of parse (returned)",
          }),
        ],
        seen: [0x41],
      }),
  },
  {
    name: "write through the pointer to a returned frame's local: the task stops",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t, { m }) {
      const f = t.enter(PARSE);
      m.s = localAddress(f, "name");
      t.leave(f);
      t.write8(m.s + 2, 0x41);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "stack-use-after-return",
            address: m.s! + 2,
            size: 1,
            access: "write",
            frame: "2 inside 'name' of parse (returned)",
          }),
        ],
        state: "faulted",
        fault: "checker stack-use-after-return",
      }),
  },
  {
    name: "unbounded recursion on a 1 KiB stack: stack-overflow at the call whose SP leaves the stack",
    stackSize: 1024,
    *body(t, { m, k }, seen) {
      m.top = t.sp;
      m.base = k.checker!.stacks.get(k.task("bug")!.id)!.base;
      let depth = 0;
      const recurse = (): void => {
        const f = t.enter(PARSE);
        f.locals.len = depth++;
        recurse();
        t.leave(f);
      };
      try {
        recurse();
      } finally {
        seen.push(depth);
      }
    },
    expect: (m) => {
      const sp = m.top! - 6 * FRAME; // the 6th call's SP: below the stack's base
      return outcome({
        reports: [report({ kind: "stack-overflow", address: sp, size: m.base! - sp, access: null })],
        state: "faulted",
        fault: "stack-overflow stack-overflow",
        seen: [5],
      });
    },
  },
  {
    name: "a read 64 bytes below SP (the task's own stack, not in use)",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t, { m }, seen) {
      m.s = t.sp - 64;
      seen.push(t.read32(m.s));
    },
    expect: (m) =>
      outcome({ reports: [report({ kind: "stack-below-sp", address: m.s!, size: 4, access: "read" })], seen: [0] }),
  },
  {
    name: "a read of another task's stack: the MPU faults it (MemManage) before the checker sees it",
    other: ({ m }) => ({
      name: "nb",
      *main(t) {
        m.o = t.sp - 16;
        yield* t.sleep({ ms: 10 });
      },
    }),
    *body(t, { m }) {
      yield* t.sleep({ ms: 1 });
      t.read32(m.o!);
    },
    expect: () => outcome({ reports: [], state: "faulted", fault: "memmanage" }),
  },
];

describe("corpus: stack bugs", () => {
  it("the frame's layout with the checker's redzones", () => {
    expect([FRAME, PARSE.layout(32).locals.map((l) => [l.name, l.offset, l.size])]).toEqual([
      176,
      [
        ["len", 32, 4],
        ["name", 72, 8],
        ["crc", 112, 4],
      ],
    ]);
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { outcome: got, m, k } = runCase(c);
    expect(got).toEqual(c.expect(m, k));
  });
});
