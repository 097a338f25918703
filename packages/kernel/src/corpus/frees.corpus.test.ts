/**
 * Corpus, bad frees (ASan's double-free, bad-free and alloc-dealloc-mismatch tests, Memcheck's
 * "Invalid free()" and "Mismatched free()"): a block freed twice (at once, after the quarantine
 * churned, through realloc), a pointer into a block (live or freed), into a redzone, to the
 * stack (a pushed buffer, a call frame's local), to static data, to a partition, to flash, to no
 * memory at all; `free(NULL)`, which is fine; and a block of another allocator (another task's
 * heap, the kernel's). Every bad free stops the task in `free` ("in syscall free"), nothing freed.
 */
import { describe, expect, it } from "vitest";
import { localAddress } from "../data/call-stack.js";
import { fn } from "../data/frames.js";
import { array, u8, u32 } from "../data/types.js";
import { blk, type CorpusCase, type Marks, outcome, type ReportSummary, report, runCase } from "./rig.js";

const PARSE = fn("parse", { locals: { len: u32, name: array(u8, 8), crc: u32 } });

/** The report of a bad free of `address` in syscall `op`, stopping the task. */
function badFree(
  kind: "double-free" | "invalid-free" | "alloc-dealloc-mismatch",
  r: Partial<ReportSummary> & Pick<ReportSummary, "address">,
  op = "free",
) {
  return outcome({
    reports: [report({ kind, size: 0, access: null, syscall: op, ...r })],
    state: "faulted",
    fault: `checker ${kind}`,
  });
}

const CASES: CorpusCase[] = [
  {
    name: "double free, right after the first",
    *body(t, { m }) {
      m.p = yield* t.malloc(16, 8, "packet");
      yield* t.free(m.p, "packet sent");
      yield* t.free(m.p, "packet sent again");
    },
    expect: (m) =>
      badFree("double-free", {
        address: m.p!,
        size: 16,
        block: blk(0, "inside", 16, m.p!, "quarantined"),
        sites: "packet / packet sent",
      }),
  },
  {
    name: "double free after 8 more malloc/free pairs (the block still in quarantine)",
    *body(t, { m }) {
      m.p = yield* t.malloc(16, 8, "packet");
      yield* t.free(m.p, "packet sent");
      for (let i = 0; i < 8; i++) yield* t.free(yield* t.malloc(16));
      yield* t.free(m.p, "packet sent again");
    },
    expect: (m) =>
      badFree("double-free", {
        address: m.p!,
        size: 16,
        block: blk(0, "inside", 16, m.p!, "quarantined"),
        sites: "packet / packet sent",
      }),
  },
  {
    name: "double free through realloc of a freed block",
    *body(t, { m }) {
      m.p = yield* t.malloc(64, 8, "table");
      yield* t.free(m.p, "table done");
      yield* t.realloc(m.p, 100, "table grown");
    },
    expect: (m) =>
      badFree(
        "double-free",
        { address: m.p!, size: 64, block: blk(0, "inside", 64, m.p!, "quarantined"), sites: "table / table done" },
        "realloc",
      ),
  },
  {
    name: "free of a pointer 8 bytes into a live block (interior pointer)",
    *body(t, { m }) {
      m.p = yield* t.malloc(64, 8, "table");
      yield* t.free(m.p + 8);
    },
    expect: (m) =>
      badFree("invalid-free", { address: m.p! + 8, block: blk(8, "inside", 64, m.p!), sites: "table / live" }),
  },
  {
    name: "realloc of a pointer 8 bytes into a live block",
    *body(t, { m }) {
      m.p = yield* t.malloc(64, 8, "table");
      yield* t.realloc(m.p + 8, 100);
    },
    expect: (m) =>
      badFree(
        "invalid-free",
        { address: m.p! + 8, block: blk(8, "inside", 64, m.p!), sites: "table / live" },
        "realloc",
      ),
  },
  {
    name: "free of a pointer 8 bytes into a freed block",
    *body(t, { m }) {
      m.p = yield* t.malloc(64, 8, "table");
      yield* t.free(m.p, "table done");
      yield* t.free(m.p + 8);
    },
    expect: (m) =>
      badFree("invalid-free", {
        address: m.p! + 8,
        block: blk(8, "inside", 64, m.p!, "quarantined"),
        sites: "table / table done",
      }),
  },
  {
    name: "free of an address 8 bytes before a block (its redzone)",
    *body(t, { m }) {
      m.p = yield* t.malloc(64, 8, "table");
      yield* t.free(m.p - 8);
    },
    expect: (m) =>
      badFree("invalid-free", { address: m.p! - 8, block: blk(8, "left", 64, m.p!), sites: "table / live" }),
  },
  {
    name: "free of the address just past a block",
    *body(t, { m }) {
      m.p = yield* t.malloc(64, 8, "table");
      yield* t.free(m.p + 64);
    },
    expect: (m) =>
      badFree("invalid-free", { address: m.p! + 64, block: blk(0, "right", 64, m.p!), sites: "table / live" }),
  },
  {
    name: "free of a buffer pushed on the task's stack",
    *body(t, { m }) {
      m.s = t.push(16);
      yield* t.free(m.s);
    },
    expect: (m) => badFree("invalid-free", { address: m.s! }),
  },
  {
    name: "free of a call frame's local array (&name)",
    *body(t, { m }) {
      const f = t.enter(PARSE);
      m.s = localAddress(f, "name");
      yield* t.free(m.s);
    },
    expect: (m) => badFree("invalid-free", { address: m.s!, frame: "0 inside 'name' of parse (live)" }),
  },
  {
    name: "free of a static address (the image's .data)",
    *body(t, { m }) {
      m.s = 0x20000100;
      yield* t.free(m.s);
    },
    expect: (m) => badFree("invalid-free", { address: m.s! }),
  },
  {
    name: "free of an address in a partition",
    partitions: { shared: "rw" },
    *body(t, { m, k }) {
      m.s = k.partitions.get("shared")!.base + 8;
      yield* t.free(m.s);
    },
    expect: (m) => badFree("invalid-free", { address: m.s! }),
  },
  {
    name: "free of an address in flash (a string literal)",
    *body(t, { m }) {
      m.s = 0x08001000;
      yield* t.free(m.s);
    },
    expect: (m) => badFree("invalid-free", { address: m.s! }),
  },
  {
    name: "free of a wild address (outside every memory region)",
    *body(t, { m }) {
      m.s = 0x30000000;
      yield* t.free(m.s);
    },
    expect: (m) => badFree("invalid-free", { address: m.s! }),
  },
  {
    name: "free(NULL): fine",
    *body(t, _env, seen) {
      seen.push(yield* t.free(0));
    },
    expect: () => outcome({ reports: [], seen: [0] }),
  },
  {
    name: "free of another task's live block (another allocator: its heap)",
    other: ({ m }) => ({
      name: "nb",
      *main(t) {
        m.o = yield* t.malloc(32, 8, "nb's block");
        yield* t.sleep({ ms: 10 });
        yield* t.free(m.o);
      },
    }),
    *body(t, { m }) {
      yield* t.sleep({ ms: 1 });
      yield* t.free(m.o!);
    },
    expect: (m) =>
      badFree("alloc-dealloc-mismatch", {
        address: m.o!,
        size: 32,
        block: blk(0, "inside", 32, m.o!, "live", "tlsf:nb"),
        sites: "nb's block / live",
      }),
  },
  {
    name: "free of a block of the kernel's own heap (a queue's storage)",
    *body(t, { m, k }) {
      m.kb = [...k.checker!.blocks.live.values()].find((b) => b.allocator === "tlsf:kernel")!.address;
      yield* t.free(m.kb);
    },
    expect: (m, k) => {
      const size = k.checker!.blocks.live.get(m.kb!)!.size;
      return badFree("alloc-dealloc-mismatch", {
        address: m.kb!,
        size,
        block: blk(0, "inside", size, m.kb!, "live", "tlsf:kernel"),
        sites: "- / live",
      });
    },
  },
];

/** The double and interior frees in the other heap kinds. */
const KINDS: CorpusCase[] = (["heap", "slab-array"] as const).flatMap((heap): CorpusCase[] => [
  {
    name: `double free in a ${heap} heap`,
    heap,
    *body(t, { m }) {
      m.p = yield* t.malloc(24, 8, "packet");
      yield* t.free(m.p, "packet sent");
      yield* t.free(m.p, "packet sent again");
    },
    expect: (m) =>
      badFree("double-free", {
        address: m.p!,
        size: 24,
        block: blk(0, "inside", 24, m.p!, "quarantined", `${heap}:bug`),
        sites: "packet / packet sent",
      }),
  },
  {
    name: `free of a pointer 4 bytes into a live block of a ${heap} heap`,
    heap,
    *body(t, { m }) {
      m.p = yield* t.malloc(24, 8, "packet");
      yield* t.free(m.p + 4);
    },
    expect: (m) =>
      badFree("invalid-free", {
        address: m.p! + 4,
        block: blk(4, "inside", 24, m.p!, "live", `${heap}:bug`),
        sites: "packet / live",
      }),
  },
]);

/** What a bad free's report says in words: its message and the lines that place the address. */
const WORDS: Record<string, (m: Marks) => [string, string[]]> = {
  "free of a buffer pushed on the task's stack": () => [
    "free of an address on the stack of task bug, not a heap block",
    ["stack of task bug: [0x10001020, 0x10001800), SP 0x100017d0"],
  ],
  "free of a static address (the image's .data)": () => [
    "free of an address in .data+.bss+MSP, not a heap block",
    ["0x20000100 is located 256 bytes inside .data+.bss+MSP [0x20000000, 0x20002000)"],
  ],
  "free of an address in a partition": () => [
    "free of an address in a partition, not a heap block",
    ["0x10000408 is located 8 bytes inside partition [0x10000400, 0x10000800)"],
  ],
  "free of an address in flash (a string literal)": () => ["free of an address never allocated", []],
  "free of a wild address (outside every memory region)": () => ["free of an address outside every memory region", []],
  "free of a pointer 8 bytes into a freed block": () => [
    "free of an address inside a freed block (interior pointer)",
    [],
  ],
  "free of an address 8 bytes before a block (its redzone)": () => ["free of an address never allocated", []],
};

describe("corpus: bad frees", () => {
  it.each([...CASES, ...KINDS].map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { outcome: got, m, k } = runCase(c);
    expect(got).toEqual(c.expect(m, k));
    const words = WORDS[c.name];
    if (words) {
      const r = k.checker!.reports.find((x) => x.taskName === "bug")!;
      const [message, place] = words(m);
      expect([r.message, r.details.filter((d) => !d.startsWith("Checker") && !d.startsWith("state"))]).toEqual([
        message,
        place,
      ]);
    }
  });
});
