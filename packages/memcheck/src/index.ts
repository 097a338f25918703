/**
 * `@rtos-sim/memcheck`: a memory checker for the simulated MMU-less kernel, a Micro-KASAN in the
 * spirit of KASAN, Valgrind Memcheck and ASan.
 *
 * - Per-byte state (owner NO/ALL/USR/ANY, writable, initialized) for every RAM region, kept as
 *   the checker's own state in JS typed arrays (1 host byte per managed byte; on a device the
 *   encoding would be 4 bits per byte, see {@link MemoryChecker.cost}).
 * - Every access seen through the core's access hook, checked for the running mode (kernel,
 *   allocator or user code, from `core.actor`), with a one-compare fast path.
 * - Every page and block transition checked against its source state (it implements the region
 *   manager's `PageObserver` and the allocators' `BlockObserver`), plus share/unshare,
 *   read-only/writable, initialized/uninitialized, free checks, stacks and leak roots.
 * - Redzones and a quarantine around any allocator ({@link checkedAllocator}).
 * - Call frames on task stacks: redzones around each local and returned frames poisoned
 *   ({@link MemoryChecker.frameEntered}, {@link MemoryChecker.frameLeft}): `stack-buffer-overflow`
 *   and `stack-use-after-return` name the frame and the local.
 * - Reports with kind, address, access, task, simulated time, the block involved with its
 *   allocation and free sites, and a state dump: {@link formatReport} (ASan-like text) and
 *   {@link reportToJSON}.
 * - {@link MemoryChecker.validateBuffer} for the kernel's syscalls (MPU view + checker state).
 *
 * @example
 * ```ts
 * import { ActorMode, createMachine, makeActor, STM32F407 } from "@rtos-sim/hw";
 * import { formatReport, MemoryChecker } from "@rtos-sim/memcheck";
 *
 * const m = createMachine(STM32F407);
 * const checker = new MemoryChecker(m, { onError: "continue" }).attach();
 * checker.pagesGiven(0x20000000, 1024, "heap");
 * checker.blockAllocated(0x20000010, 10, "heap");
 * m.core.actor = makeActor(ActorMode.User, 1);
 * m.core.write8(0x2000001a, 1); // one past the end
 * console.log(checker.reports[0]!.kind); // heap-buffer-overflow
 * const text = formatReport(checker.reports[0]!); // the report, as Valgrind would print it
 * ```
 *
 * @packageDocumentation
 */

export type { BufferCheck } from "./access.js";
export type { BlockRecord } from "./blocks.js";
export { BlockTable } from "./blocks.js";
export type { AllocatorLike, BlockObserverLike, CheckedAllocatorOptions } from "./checked-allocator.js";
export { CheckedAllocator, checkedAllocator } from "./checked-allocator.js";
export { MemoryChecker } from "./checker.js";
export type { FrameHit, Problem } from "./classify.js";
export type { Listener, MemcheckEvents } from "./emitter.js";
export { MemcheckEmitter } from "./emitter.js";
export type { MemcheckErrorCode } from "./errors.js";
export { CheckerFault, MemcheckError } from "./errors.js";
export type { FrameObject, FramePlace, FrameRange, FrameRecord, FrameShape } from "./frames.js";
export { placeInFrame } from "./frames.js";
export type { LeakOptions, LeakSummary } from "./leaks.js";
export { formatLeakSummary } from "./leaks.js";
export type { FreedPagesRecord, LeakRole, PagePool, PageRecord } from "./ledger.js";
export { Ledger } from "./ledger.js";
export type { CheckedMachine, CheckerOptions, ErrorPolicy, MemoryRange, ResolvedOptions } from "./options.js";
export type {
  BlockInfo,
  DumpRow,
  FrameInfo,
  MemReport,
  PageInfo,
  ReportKind,
  Site,
  StateDump,
  TimeUnit,
} from "./report.js";
export {
  describeBlock,
  describeFrame,
  describePages,
  formatDump,
  formatReport,
  formatTime,
  hex,
  REPORT_KINDS,
  reportToJSON,
} from "./report.js";
export { Reporter, type ReporterParts } from "./reporter.js";
export type { ShadowCost, ShadowRegion } from "./shadow.js";
export { Shadow } from "./shadow.js";
export type { SourceSite, SourceSiteOptions, StackCapture, StackFrame } from "./source-site.js";
export {
  captureStack,
  firstSourceSite,
  formatSourceSite,
  isSimulatorFrame,
  MASKED_SOURCE_SITE,
  maskSourceSites,
  parseFrames,
  relativeTo,
  siteOfCapture,
  withoutSourceSites,
} from "./source-site.js";
export type { StackRecord } from "./stacks.js";
export type { OwnerName } from "./state.js";
export {
  ALL,
  ANY,
  isStackLive,
  NO,
  OWNER_MASK,
  ownerOf,
  STACK_LIVE,
  STATE_LEGEND,
  StateBit,
  stateCode,
  Tag,
  tagOf,
  USR,
} from "./state.js";
