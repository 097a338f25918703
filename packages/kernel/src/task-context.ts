import type { Core } from "@rtos-sim/hw";

/**
 * What a task's code gets: memory accesses checked by the MPU (with the task's privilege, since
 * the kernel set the core's mode, CONTROL.nPRIV and actor before resuming it), its stack pointer,
 * and its identity. Everything else goes through syscalls (`yield sys.xxx(...)`).
 *
 * A task cannot reach the kernel's objects through this context: it only forwards accesses to the
 * core, which checks them like the silicon would.
 */
export class TaskContext {
  /** Task id (1-based). */
  readonly id: number;
  /** Task name. */
  readonly name: string;
  /** Lowest address of the stack block (the guard sits here). */
  readonly stackBase: number;
  /** One past the highest stack address (the initial stack pointer before the first frame). */
  readonly stackTop: number;
  /** Current stack pointer (the kernel updates it at every switch; the task moves it with push/pop). */
  sp: number;
  /** A label for the call site of the next allocation or access, shown in checker reports. */
  site: string | undefined;
  /** Told of every stack pointer move by push/pop (the kernel passes it to the memory checker). */
  onStackPointer: ((sp: number) => void) | null = null;
  private readonly core: Core;

  constructor(core: Core, id: number, name: string, stackBase: number, stackTop: number, sp: number) {
    this.core = core;
    this.id = id;
    this.name = name;
    this.stackBase = stackBase;
    this.stackTop = stackTop;
    this.sp = sp;
    this.site = undefined;
  }

  /** 8-bit load (MPU-checked with the task's privilege). */
  read8(address: number): number {
    return this.core.read8(address);
  }
  /** 16-bit little-endian load. */
  read16(address: number): number {
    return this.core.read16(address);
  }
  /** 32-bit little-endian load. */
  read32(address: number): number {
    return this.core.read32(address);
  }
  /** 8-bit store. */
  write8(address: number, value: number): void {
    this.core.write8(address, value);
  }
  /** 16-bit little-endian store. */
  write16(address: number, value: number): void {
    this.core.write16(address, value);
  }
  /** 32-bit little-endian store. */
  write32(address: number, value: number): void {
    this.core.write32(address, value);
  }
  /** Reads bytes (memcpy-like). */
  readBytes(address: number, length: number): Uint8Array {
    return this.core.readBytes(address, length);
  }
  /** Writes bytes (memcpy-like). */
  writeBytes(address: number, data: Uint8Array): void {
    this.core.writeBytes(address, data);
  }
  /** Fills bytes (memset-like). */
  fill(address: number, value: number, length: number): void {
    this.core.fill(address, value, length);
  }
  /** Reads a signed 16-bit value. */
  readI16(address: number): number {
    return (this.core.read16(address) << 16) >> 16;
  }
  /** Writes a string's bytes (Latin-1). */
  writeString(address: number, text: string): void {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
    this.core.writeBytes(address, bytes);
  }

  /**
   * Reserves `size` bytes on the stack (like a function's frame, `SUB sp, sp, #size`): moves SP
   * down (8-byte aligned) and returns the new SP. On ARMv8-M the core checks the new SP against
   * PSPLIM (UsageFault STKOF below the stack's guard, SP unchanged); on ARMv7-M nothing is checked
   * until the memory is touched: an overflow faults on the first access to the guard region.
   */
  push(size: number): number {
    const sp = ((this.sp - size) & ~7) >>> 0;
    this.core.checkStackLimit(sp);
    this.sp = sp;
    this.onStackPointer?.(this.sp);
    return this.sp;
  }

  /** Releases `size` bytes of stack reserved by {@link TaskContext.push}. */
  pop(size: number): void {
    this.sp = (this.sp + ((size + 7) & ~7)) >>> 0;
    this.onStackPointer?.(this.sp);
  }

  /**
   * Core cycles charged to memory accesses so far (all tasks and the kernel). Not a clock: idle
   * time and sleeps do not count; read the timer peripheral or `sys.info().now` for time.
   */
  get cycles(): number {
    return this.core.cycles;
  }
}
