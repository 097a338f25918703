/**
 * One report of every kind the checker files, for docs/checker-reports.md: a small program per
 * kind on an STM32F407, with source sites on (this file's lines are the "task code").
 *
 * Run: `NODE_OPTIONS=--conditions=source npx tsx examples/kinds.ts` (prints Markdown sections).
 */
import { ActorMode, createMachine, Fault, makeActor, STM32F407 } from "@rtos-sim/hw";
import {
  CheckerFault,
  checkedAllocator,
  formatReport,
  MemoryChecker,
  type MemReport,
  type ReportKind,
} from "@rtos-sim/memcheck";
import { RegionManager } from "@rtos-sim/region";

const ROOT = new URL("../../..", import.meta.url).pathname;
const names = ["kernel", "sensor", "logger"];

/** A fresh machine: a checker (continue policy), a region manager, a heap of 4 KiB pages. */
function world() {
  const m = createMachine(STM32F407);
  const rm = new RegionManager({
    memory: m.core,
    regions: m.board.memory.filter((r) => !r.readOnly),
    reserved: [{ start: 0x20000000, size: 0x1000, label: "image" }],
  });
  const metadata = rm.regions().map((r) => ({ start: r.metadataStart, size: r.metadataPages * rm.pageSize }));
  let t = 1000;
  const checker = new MemoryChecker(m, {
    data: [{ start: 0x20000000, size: 0x1000, name: ".data" }],
    metadata,
    onError: "continue",
    clock: () => (t += 137),
    clockHz: STM32F407.clockHz,
    pageSize: rm.pageSize,
    taskName: (id) => names[id] ?? `T${id}`,
    sourceSites: { root: ROOT },
  }).attach();
  rm.observer = checker;
  const pages = rm.allocPages(2, { owner: "heap:sensor", region: "SRAM1" })!;
  // A bump allocator over the pages (any Allocator-shaped object works).
  let next = pages;
  const bump = {
    name: "heap:sensor",
    kind: "heap",
    observer: null,
    allocate: (size: number) => {
      const p = next;
      next += (size + 7) & ~7;
      return p;
    },
    free: () => {},
    owns: () => true,
    blockSize: () => undefined,
    stats: () => ({}),
    releaseEmpty: () => 0,
  };
  const heap = checkedAllocator(checker, bump, { redzone: 16, quarantineBytes: 1024 });
  const user = (task = 1) => {
    m.core.actor = makeActor(ActorMode.User, task);
  };
  const kernel = () => {
    m.core.actor = makeActor(ActorMode.Kernel, 1);
  };
  user();
  return { m, rm, checker, heap, user, kernel, pages };
}

type World = ReturnType<typeof world>;

/** Runs `program`; the checker's stop, or the bus fault after a wild access, is cleared (the report stays). */
function attempt(w: World, program: () => void): void {
  try {
    program();
  } catch (e) {
    if (!(e instanceof CheckerFault) && !(e instanceof Fault)) throw e;
    w.m.core.clearFault();
  }
}

/**
 * Call frames as the kernel lays them out with the checker's 32-byte redzones (packages/kernel:
 * `fn("parse_packet", { locals: { len: u32, buf: array(u8, 8), crc: u32 } }).layout(32)`, and
 * `fn("make_name", { locals: { name: array(u8, 16) } }).layout(32)`).
 */
const PARSE_PACKET = {
  function: "parse_packet",
  size: 176,
  locals: [
    { name: "len", offset: 32, size: 4 },
    { name: "buf", offset: 72, size: 8 },
    { name: "crc", offset: 112, size: 4 },
  ],
  redzones: [
    { offset: 0, size: 32 },
    { offset: 36, size: 36 },
    { offset: 80, size: 32 },
    { offset: 116, size: 40 },
  ],
};
const MAKE_NAME = {
  function: "make_name",
  size: 104,
  locals: [{ name: "name", offset: 32, size: 16 }],
  redzones: [
    { offset: 0, size: 32 },
    { offset: 48, size: 36 },
  ],
};

const PROGRAMS: Record<ReportKind, (w: World) => void> = {
  "heap-buffer-overflow": ({ m, heap }) => {
    const p = heap.allocate(24, 8, "name buffer")!;
    m.core.write8(p + 24, 0);
  },
  "slab-out-of-bounds": ({ m, checker, pages }) => {
    checker.registerAllocator("kmalloc-32", "slab");
    checker.blockAllocated(pages + 2048, 32, "kmalloc-32");
    m.core.read8(pages + 2048 + 32);
  },
  "stack-buffer-overflow": ({ m, checker, heap, kernel, user }) => {
    kernel();
    const stack = heap.allocate(512)!;
    checker.registerStack(1, stack, 512);
    const base = stack + 512 - PARSE_PACKET.size;
    checker.stackPointer(1, base); // the call's prologue: push {r4-r7, lr}; sub sp, #156
    checker.frameEntered(1, base, PARSE_PACKET);
    user(1);
    m.core.write8(base + 72 + 8, 0); // buf[8] of a u8 buf[8]
  },
  "stack-use-after-return": ({ m, checker, heap, kernel, user }) => {
    kernel();
    const stack = heap.allocate(512)!;
    checker.registerStack(1, stack, 512);
    const base = stack + 512 - MAKE_NAME.size;
    checker.stackPointer(1, base);
    checker.frameEntered(1, base, MAKE_NAME);
    user(1);
    m.core.write32(base + 32, 0x30756d69); // name = "imu0"
    kernel();
    checker.stackPointer(1, stack + 512); // return name;
    checker.frameLeft(1, base);
    user(1);
    m.core.read8(base + 32); // the caller reads the name
  },
  "stack-out-of-bounds": ({ m, checker, heap, kernel, user }) => {
    kernel();
    const stack = heap.allocate(256)!;
    checker.registerStack(2, stack, 256, stack + 192);
    user(1);
    m.core.read32(stack + 200);
  },
  "stack-below-sp": ({ m, checker, heap, kernel, user }) => {
    kernel();
    const stack = heap.allocate(256)!;
    checker.registerStack(1, stack, 256, stack + 192);
    user(1);
    m.core.read32(stack + 160);
  },
  "stack-overflow": ({ checker, heap, kernel }) => {
    kernel();
    const stack = heap.allocate(256)!;
    checker.registerStack(1, stack, 256);
    checker.stackPointer(1, stack - 32);
  },
  "use-after-free": ({ m, heap }) => {
    const p = heap.allocate(32, 8, "message")!;
    m.core.write32(p, 0xc0ffee);
    heap.free(p, "message done");
    m.core.read32(p);
  },
  "use-after-alloc": ({ m, heap }) => {
    const p = heap.allocate(16)!;
    m.core.actor = makeActor(ActorMode.Allocator, 1);
    m.core.write32(p + 4, 0);
  },
  "uninitialized-read": ({ m, heap }) => {
    const p = heap.allocate(16, 8, "config")!;
    m.core.write32(p, 1);
    m.core.read32(p + 8);
  },
  "write-to-readonly": ({ m, checker, heap }) => {
    const p = heap.allocate(16)!;
    m.core.write32(p, 1);
    checker.makeReadOnly(p, 16);
    m.core.write32(p, 2);
  },
  "invalid-access": ({ m }) => {
    m.core.read32(0x20008000);
  },
  "wild-access": ({ m }) => {
    m.core.read32(0x30000000);
  },
  "double-alloc": ({ checker, pages }) => {
    checker.blockAllocated(pages + 3072, 16, "heap:sensor");
    checker.blockAllocated(pages + 3072, 16, "heap:sensor");
  },
  "double-free": ({ heap }) => {
    const p = heap.allocate(16, 8, "packet")!;
    heap.free(p, "packet sent");
    heap.free(p, "packet sent again");
  },
  "invalid-free": ({ heap }) => {
    const p = heap.allocate(64, 8, "table")!;
    heap.free(p + 8);
  },
  "alloc-dealloc-mismatch": ({ checker, heap }) => {
    const p = heap.allocate(16)!;
    checker.checkFree(p, "pool");
  },
  "overlapping-copy": ({ m, checker, heap }) => {
    const p = heap.allocate(32)!;
    m.core.fill(p, 0x20, 32);
    checker.memcpy(p + 4, p, 16);
  },
  "invalid-transition": ({ checker, heap }) => {
    const p = heap.allocate(16)!;
    checker.share(p, 16);
    checker.share(p, 16);
  },
  "leak-definite": ({ checker, heap }) => {
    heap.allocate(48, 8, "session");
    checker.checkLeaks();
  },
  "leak-indirect": ({ m, checker, heap }) => {
    const a = heap.allocate(16, 8, "list head")!;
    const b = heap.allocate(16, 8, "list node")!;
    m.core.write32(a, b);
    checker.checkLeaks();
    checker.reports.splice(0, checker.reports.length - 1); // keep the indirect one
  },
  "leak-possible": ({ m, checker, heap }) => {
    const p = heap.allocate(64, 8, "ring")!;
    m.core.write32(0x20000010, p + 16); // only a cursor into it remains
    checker.checkLeaks();
  },
  "leak-reachable": ({ m, checker, heap }) => {
    const p = heap.allocate(64, 8, "table")!;
    m.core.write32(0x20000010, p);
    checker.checkLeaks({ reportReachable: true });
  },
  "calloc-overflow": ({ checker }) => {
    checker.allocationRefused(
      "calloc-overflow",
      "calloc parameters overflow: count * size (65536 * 65537) cannot be represented in 32 bits",
      0,
      ["count 65536, size 65537: the product wraps to 65536 in 32 bits"],
    );
  },
  "allocation-size-too-big": ({ checker }) => {
    checker.allocationRefused(
      "allocation-size-too-big",
      "malloc: requested allocation size 67108864 (0x04000000) exceeds the maximum of 16777216 bytes",
      67108864,
    );
  },
};

/** A report's text without the state dump and legend (the docs show one dump in full). */
function short(r: MemReport): string {
  const lines = formatReport(r).split("\n");
  const dump = lines.findIndex((l) => l.startsWith("Checker state around"));
  const legendEnd = lines.findIndex((l) => l.startsWith("  ..  outside"));
  return (dump < 0 ? lines : [...lines.slice(0, dump), ...lines.slice(legendEnd + 1)]).join("\n");
}

for (const [kind, program] of Object.entries(PROGRAMS)) {
  const w = world();
  attempt(w, () => program(w));
  const r = w.checker.reports.find((x) => x.kind === kind);
  if (!r) throw new Error(`no ${kind} report`);
  console.log(`### \`${kind}\`\n\n\`\`\`text\n${short(r)}\n\`\`\`\n`);
}

// Use after free of pages: a block of pages given back to the region manager, then read.
{
  const w = world();
  w.kernel();
  const dma = w.rm.allocPages(1, { owner: "dma-buffer", region: "SRAM1" })!;
  w.m.core.write32(dma + 64, 7);
  w.rm.freePages(dma, 1);
  w.m.core.read32(dma + 64);
  console.log(`### \`use-after-free\` of pages\n\n\`\`\`text\n${short(w.checker.reports[0]!)}\n\`\`\``);
}
