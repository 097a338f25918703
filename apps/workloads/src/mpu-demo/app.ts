import type { Machine } from "@rtos-sim/hw";
import { ActorMode, Fault, MpuCtrl, MpuReg, makeActor, pmsaName, ScbReg, Shcsr } from "@rtos-sim/hw";
import type { MachineApp, MachineAppContext } from "../machine-app.js";
import { mpuRegionInfo } from "../run/recorder.js";
import type { FaultRecord, MpuRegionInfo, PageRun } from "../run/result.js";
import { formatBytes, hex32 } from "../shared/format.js";
import { type DemoLayout, type DemoTask, demoLayout, RING_SIZE, TASK_RAM } from "./layout.js";
import { type DemoRegion, demoMpu, formatWrites } from "./regions.js";

/** The word of kernel data the rogue access goes for. */
const SECRET = 0x5ec2e7ed;
/** Cycles of a task's own arithmetic per slice (its memory accesses are counted by the core). */
const WORK_CYCLES = 400;
/** Cycles of register save/restore in a context switch (the MPU writes are counted by the core). */
const SWITCH_CYCLES = 60;
/** At most this many scheduler ticks per run: longer runs get a longer tick period. */
const MAX_TICKS = 5000;
/** Ring layout: word 0 = samples written so far, then one word per slot. */
const RING_SLOTS = (RING_SIZE - 8) / 4;
const PAGE_SIZE = 1024;

function codeSettings(layout: DemoLayout): DemoRegion {
  return { base: layout.code.base, size: layout.code.size, access: "ro", executable: true, memory: "normal-wt" };
}

/** The MPU regions of a task as decoded from the registers, labelled. */
function taskRegions(machine: Machine, layout: DemoLayout, task: DemoTask): MpuRegionInfo[] {
  const out = [mpuRegionInfo(machine.mpu.region(0), `${layout.code.region} (code)`)];
  task.regions.forEach((r, i) => {
    if (r) out.push(mpuRegionInfo(machine.mpu.region(i + 1), r.label));
  });
  return out;
}

function pageRuns(layout: DemoLayout, sensorAlive: boolean): PageRun[] {
  const pages = Math.floor(layout.ram.size / PAGE_SIZE);
  const per = TASK_RAM / PAGE_SIZE;
  const runs: PageRun[] = [
    { page: 0, count: per, owner: "kernel" },
    { page: per, count: per, owner: sensorAlive ? "sensor" : null },
    { page: 2 * per, count: per, owner: "logger" },
    { page: 3 * per, count: RING_SIZE / PAGE_SIZE, owner: "ring" },
  ];
  const used = 3 * per + RING_SIZE / PAGE_SIZE;
  if (pages > used) runs.push({ page: used, count: pages - used, owner: null });
  return runs;
}

/**
 * The hardware-model demo: two unprivileged tasks on the chosen board, each with its own MPU
 * regions loaded by the kernel at every switch, register by register in the board's MPU
 * architecture (PMSAv7 RBAR/RASR, PMSAv8 RNR/RBAR/RLAR with MAIR attributes: `regions.ts`).
 * The sensor writes samples into a ring the logger may only read; the logger prints through its
 * UART. Halfway through, the sensor reads the kernel's memory: the MPU stops it (MemManage
 * DACCVIOL, MMFAR = the address), the kernel reads and clears the fault registers, kills the
 * sensor and the logger carries on.
 */
function runDemo(ctx: MachineAppContext): void {
  const { machine, record: rec, options } = ctx;
  const { core, board, bus } = machine;
  const layout = demoLayout(board);
  const mpu = demoMpu(machine.mpu.architecture);
  const arch = pmsaName(board.core); // PMSAv6 on ARMv6-M: PMSAv7's registers, fewer features
  const loadRegion = (n: number, region: DemoRegion | null) => mpu.loadRegion(machine, n, region);
  machine.events.on("warning", (w) => rec.warn(`${w.code}: ${w.message}`));
  core.countCycles = true;
  const cyclesPerMs = board.clockHz / 1000;
  const tickMs = Math.max(1, Math.ceil(options.durationMs / MAX_TICKS));
  // The last tick is cut short at the run's end, so a run of 0.5 or 2.5 ms covers just that.
  const ticks = Math.max(1, Math.ceil(options.durationMs / tickMs));
  const rogueTick = Math.floor(ticks / 2);
  const logEvery = Math.max(1, Math.floor(ticks / 10));
  const sampleEvery = Math.max(1, Math.floor(ticks / 100));
  const kernelActor = makeActor(ActorMode.Kernel);

  const sensor = rec.addTask("sensor", { memoryHeld: TASK_RAM + RING_SIZE });
  const logger = rec.addTask("logger", { memoryHeld: TASK_RAM });
  rec.setMemoryHeld(0, TASK_RAM);
  let sensorAlive = true;
  let loggerLinesAfterFault = 0;
  let faultTick = -1;
  let rogueFault: FaultRecord | null = null;

  // ---- boot: privileged Thread mode, MPU off ----
  rec.note(
    `boot on ${board.name}: code in ${layout.code.region}, kernel data ${hex32(layout.kernel.base)} (${formatBytes(
      layout.kernel.size,
    )}), tasks in ${layout.ram.name}, ${tickMs} ms tick`,
  );
  for (const m of board.memory) {
    const role =
      m.name === layout.code.region
        ? "  <- code (MPU region 0)"
        : m === layout.ram
          ? "  <- kernel data, task RAM, ring"
          : "";
    rec.note(
      `memory ${m.name.padEnd(13)} ${hex32(m.start)}-${hex32(m.end - 1)} ${formatBytes(m.size).padStart(8)} ${m.kind.padEnd(5)} r${
        m.readOnly ? "-" : "w"
      }${m.executable ? "x" : "-"}${role}`,
    );
  }
  core.write32(ScbReg.SHCSR, Shcsr.MEMFAULTENA | Shcsr.BUSFAULTENA | Shcsr.USGFAULTENA);
  core.write32(layout.secret, SECRET);
  core.fill(layout.ring.base, 0, layout.ring.size);
  const bootWrites = mpu.boot(machine);
  if (bootWrites.length > 0)
    rec.note(`${arch} memory attributes (the driver's MAIR table): ${formatWrites(bootWrites)}`);
  const codeWrites = loadRegion(0, codeSettings(layout));
  core.write32(MpuReg.CTRL, MpuCtrl.ENABLE | MpuCtrl.PRIVDEFENA);
  rec.note(
    `MPU (${arch}) on: region 0 = code (read-only, executable; ${formatWrites(codeWrites)}); kernel data only through the privileged background map`,
  );
  rec.setMpuRegions(0, [mpuRegionInfo(machine.mpu.region(0), `${layout.code.region} (code)`)]);

  const sensorBody = (tick: number) => {
    const sample = Math.round(ctx.random() * 2000) - 1000;
    const state = layout.sensor.ram.base;
    const filtered = ((core.read32(state) | 0) * 3 + sample) >> 2;
    core.write32(state, filtered >>> 0);
    const count = core.read32(layout.ring.base);
    core.write32(layout.ring.base + 8 + 4 * (count % RING_SLOTS), sample >>> 0);
    core.write32(layout.ring.base, count + 1);
    if (tick === 0) {
      rec.event("access", "unprivileged write to own RAM and to the ring: allowed", sensor, {
        address: state,
        ring: layout.ring.base,
      });
      rec.note(
        `unprivileged writes to its RAM ${hex32(state)} and the ring ${hex32(layout.ring.base)}: allowed`,
        sensor,
      );
    }
    if (tick === rogueTick) {
      rec.note(`goes rogue: unprivileged read of kernel data at ${hex32(layout.secret)}`, sensor);
      core.read32(layout.secret); // the MPU stops this: MemManage DACCVIOL
    }
  };

  const loggerBody = (tick: number) => {
    const count = core.read32(layout.ring.base);
    if (tick % logEvery !== 0 && tick !== ticks - 1) return;
    const last = count === 0 ? 0 : core.read32(layout.ring.base + 8 + 4 * ((count - 1) % RING_SLOTS)) | 0;
    const text = `t=${(tick * tickMs).toString().padStart(5)} ms  samples=${count}  last=${last}${sensorAlive ? "" : "  (sensor stopped)"}`;
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff); // ASCII
    core.writeBytes(layout.logger.ram.base + 16, bytes);
    if (layout.uart) for (const b of bytes) core.write8(layout.uart.base + layout.uart.dataRegister, b);
    rec.uart(logger, text);
    if (!sensorAlive) loggerLinesAfterFault++;
  };

  const runSlice = (task: DemoTask, id: number, tick: number, body: (tick: number) => void) => {
    // PendSV: load the task's regions 1..3 (Handler mode, privileged).
    const k0 = ctx.now();
    core.mode = "handler";
    core.actor = kernelActor;
    const writes = task.regions.map((r, i) => loadRegion(i + 1, r?.settings ?? null));
    core.cycles += SWITCH_CYCLES;
    if (tick === 0) {
      const regions = taskRegions(machine, layout, task);
      rec.setMpuRegions(id, regions);
      rec.event("mpu", `MPU regions of ${task.name} loaded`, id, { regions: regions.length });
      rec.note(
        `PendSV loads regions 1-${writes.length}: ${writes.map((w, i) => `${i + 1}: ${formatWrites(w)}`).join("; ")}`,
        id,
      );
    }
    // Exception return to unprivileged Thread mode.
    core.mode = "thread";
    core.controlNPriv = true;
    core.actor = makeActor(ActorMode.User, id);
    const t0 = ctx.now();
    rec.slice(0, k0, t0);
    try {
      core.fetch(layout.code.base + 0x100 * id);
      body(tick);
      core.cycles += WORK_CYCLES;
      rec.slice(id, t0, ctx.now());
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      rec.slice(id, t0, ctx.now());
      // MemManage handler: privileged; read and clear the fault registers, kill the task. An
      // ARMv6-M HardFault handler has no fault register to read: the record keeps the
      // simulator's classification, marked as such (docs/fault-reports.md, "ARMv6-M").
      core.clearFault();
      core.mode = "handler";
      core.actor = kernelActor;
      const registers = e.faultStatusRegisters
        ? {
            cfsr: core.read32(ScbReg.CFSR),
            hfsr: core.read32(ScbReg.HFSR),
            mmfar: core.read32(ScbReg.MMFAR),
            bfar: core.read32(ScbReg.BFAR),
          }
        : undefined;
      if (registers !== undefined) core.write32(ScbReg.CFSR, registers.cfsr);
      const record = rec.fault(e, {
        task: id,
        expected: id === sensor && tick === rogueTick,
        note: id === sensor && tick === rogueTick ? "read the kernel's data (privileged only)" : "",
        ...(registers !== undefined ? { registers } : {}),
        mpuRegions: taskRegions(machine, layout, task),
      });
      if (record.expected) rogueFault = record;
      rec.setState(id, "faulted");
      core.fill(task.ram.base, 0, task.ram.size);
      rec.setMemoryHeld(id, 0);
      if (id === sensor) {
        sensorAlive = false;
        faultTick = tick;
      }
      rec.note(`${task.name} killed; its ${formatBytes(task.ram.size)} of RAM scrubbed and reclaimed`);
    }
    core.mode = "thread";
    core.controlNPriv = false;
    core.actor = kernelActor;
  };

  for (let tick = 0; tick < ticks; tick++) {
    if (sensorAlive) runSlice(layout.sensor, sensor, tick, sensorBody);
    runSlice(layout.logger, logger, tick, loggerBody);
    if (tick % sampleEvery === 0 || tick === ticks - 1) {
      rec.counter("memory held", "bytes", {
        kernel: TASK_RAM,
        sensor: sensorAlive ? TASK_RAM + RING_SIZE : 0,
        logger: TASK_RAM,
      });
      rec.counter("ring", "samples", { written: core.read32(layout.ring.base) });
    }
    const next = Math.min((tick + 1) * tickMs, options.durationMs);
    core.cycles = Math.max(core.cycles, Math.round(next * cyclesPerMs)); // idle (WFI) until the next tick
    rec.progress((tick + 1) / ticks);
  }
  rec.setState(logger, "done");
  rec.setState(0, "done");
  rec.pageMap({
    region: layout.ram.name,
    start: layout.ram.start,
    pageSize: PAGE_SIZE,
    pages: Math.floor(layout.ram.size / PAGE_SIZE),
    runs: pageRuns(layout, sensorAlive),
    source: "demo layout",
  });

  const fault = rogueFault as FaultRecord | null;
  rec.check(
    "the MPU stopped the sensor's read of kernel data",
    fault !== null &&
      fault.cause === "MemManage" &&
      fault.cfsrNames.includes("DACCVIOL") &&
      fault.mmfar === layout.secret,
    fault === null
      ? "no fault"
      : fault.faultStatusRegisters
        ? `${fault.cause} ${fault.cfsrNames.join("|")}, MMFAR ${fault.mmfar === null ? "-" : hex32(fault.mmfar)}`
        : `HardFault (ARMv6-M: no CFSR or MMFAR); simulator: ${fault.cause} ${fault.cfsrNames.join("|")} at ${
            fault.mmfar === null ? "-" : hex32(fault.mmfar)
          }`,
  );
  const secret = new DataView(bus.peek(layout.secret, 4).slice().buffer).getUint32(0, true);
  rec.check("kernel data unchanged", secret === SECRET, `${hex32(layout.secret)} = ${hex32(secret)}`);
  const written = new DataView(bus.peek(layout.ring.base, 4).slice().buffer).getUint32(0, true);
  rec.check(
    "every legal sensor access was allowed",
    written === Math.min(ticks, faultTick < 0 ? ticks : faultTick + 1),
    `${written} samples written`,
  );
  if (faultTick >= 0 && faultTick < ticks - 1) {
    rec.check(
      "the logger kept running after the fault",
      loggerLinesAfterFault > 0,
      `${loggerLinesAfterFault} lines after the fault`,
    );
  }
}

/** The built-in hardware-level demo: a {@link MachineApp} driving the machine with no kernel. */
export const mpuDemo: MachineApp = {
  name: "mpu-demo",
  summary: "two unprivileged tasks with their own MPU regions; one reads kernel data and the MPU stops it",
  defaultBoard: "stm32f407",
  defaultDurationMs: 1000,
  // No kernel, so no memory checker: `rtos-sim apps` says "off", and --memcheck is reported as
  // requested but not available.
  defaultMemcheck: false,
  run: runDemo,
};
