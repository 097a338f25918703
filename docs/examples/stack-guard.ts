/**
 * An example user app for `rtos-sim run docs/examples/stack-guard.ts`: one unprivileged task whose
 * stack grows down into a 32-byte guard region (the Zephyr-style stack guard: privileged read-only,
 * no access for the task). The MPU stops the first push into the guard with a MemManage fault
 * (DACCVIOL, MMFAR = the first guard word written, 16 bytes below the guard's top), which this
 * app expects.
 *
 * The app needs no runtime import: everything comes through `ctx` (the machine, the `@rtos-sim/hw`
 * module as `ctx.hw`, the recorder). The type import below is erased when the file is loaded.
 */
import type { MachineApp, MachineAppContext } from "@rtos-sim/apps";

const STACK_SIZE = 1024;
const GUARD = 32;

function run(ctx: MachineAppContext): void {
  const { core, mpu, board } = ctx.machine;
  const { Fault, ActorMode, makeActor } = ctx.hw;
  const ram = board.memory.find((m) => m.kind === "ram" && m.start >= 0x20000000 && m.size >= 8 * 1024);
  if (!ram) throw new Error(`board ${board.name} has no SRAM of 8 KiB or more`);

  // Layout: [guard 32 B][stack 1 KiB] at ram.start + 1 KiB (the stack region is aligned on its size).
  const stackBase = ram.start + STACK_SIZE;
  const guardBase = stackBase - GUARD;
  const task = ctx.record.addTask("worker", { memoryHeld: STACK_SIZE });

  core.countCycles = true;
  mpu.setRegion(0, { base: stackBase, size: STACK_SIZE, access: "rw", executable: false });
  mpu.setRegion(1, { base: guardBase, size: GUARD, access: "priv-ro", executable: false });
  mpu.setControl({ enable: true, privdefena: true });
  core.write32(0xe000ed24, 1 << 16); // SHCSR.MEMFAULTENA: a MemManage fault, not a HardFault
  ctx.record.setMpuRegions(task, [ctx.mpuRegion(0, "worker stack"), ctx.mpuRegion(1, "stack guard")]);
  ctx.record.note(`stack ${STACK_SIZE} B at 0x${stackBase.toString(16)}, guard ${GUARD} B below it`);

  // The task: unprivileged Thread mode, pushes 16-byte "frames" until the stack overflows.
  core.controlNPriv = true;
  core.actor = makeActor(ActorMode.User, task);
  const start = ctx.now();
  let sp = stackBase + STACK_SIZE;
  let frames = 0;
  try {
    for (;;) {
      sp -= 16;
      for (let i = 0; i < 16; i += 4) core.write32(sp + i, frames);
      frames++;
      core.cycles += 20; // the work between pushes
    }
  } catch (e) {
    if (!(e instanceof Fault)) throw e;
    ctx.record.slice(task, start, ctx.now());
    core.clearFault();
    core.controlNPriv = false;
    const record = ctx.record.fault(e, { task, expected: true, note: "stack overflow into the guard" });
    ctx.record.setState(task, "faulted");
    ctx.record.check(
      "the overflow stopped at the guard",
      record.mmfar === guardBase + GUARD - 16,
      `${frames} frames pushed`,
    );
    ctx.record.check("the stack held 64 frames", frames === STACK_SIZE / 16, String(frames));
  }
  ctx.record.counter("stack used", "bytes", { worker: frames * 16 });
}

const app: MachineApp = {
  name: "stack-guard",
  summary: "a task overflows its stack into an MPU guard region and is stopped",
  defaultDurationMs: 1,
  run,
};

export default app;
