import { array, struct, type TaskContext, u32, type ViewOf } from "@rtos-sim/kernel";
import { formatMilliDeg } from "../shared/fixed-point.js";
import { uartWrite } from "../shared/uart.js";
import { Attitude, Motors, milliDeg } from "./layout.js";
import { LogRecord, logSlab, RECORD_BYTES, SLAB_BYTES } from "./log-slab.js";

/** Records the telemetry task keeps (its "black box"); older ones go back to the slab. */
export const BLACK_BOX = 8;
/** Cycles of formatting one character of a telemetry line (snprintf). */
export const FORMAT_CYCLES = 40;

/** The black box: the addresses of the last {@link BLACK_BOX} records, in the telemetry heap. */
export const BlackBox = struct("BlackBox", {
  /** Record addresses by line number modulo {@link BLACK_BOX}; 0 is an empty slot. */
  records: array(u32, BLACK_BOX),
});

/** One telemetry line from a log record (read back from simulated memory). */
function formatRecord(t: TaskContext, r: ViewOf<typeof LogRecord>): string {
  const deg = (m: number) => formatMilliDeg(m).padStart(7);
  const duties: string[] = [];
  for (let m = 0; m < 4; m++) duties.push(String(r.motors.get(m)));
  const line =
    `t=${String(r.time).padStart(5)} ms | roll ${deg(r.roll)} pitch ${deg(r.pitch)} yaw ${deg(r.yaw)} deg` +
    ` | motors ${duties.join(" ")} | imu samples ${r.used} lost ${r.lost}\n`;
  t.compute(line.length * FORMAT_CYCLES);
  return line;
}

/**
 * Telemetry (periodic, every `TELEMETRY_PERIOD_MS`): a log record from its slab (attitude, motor
 * duties, sample counts), printed through the UART data register; the last {@link BLACK_BOX}
 * records are kept in a table in its heap and older ones go back to the slab. Every 5 records, a
 * line about the slab.
 */
export function* telemetry(
  t: TaskContext,
  uart: number,
  attAt: number,
  motorsAt: number,
  periodMs: number,
  banner: string,
): Generator<unknown, void, unknown> {
  const block = yield* t.malloc(SLAB_BYTES, SLAB_BYTES, "log slab");
  const tableAt = yield* t.malloc(BlackBox.size, BlackBox.align, "black box");
  if (block === 0 || tableAt === 0) {
    uartWrite(t, uart, "telemetry: no heap for the log slab\n");
    return;
  }
  const slab = logSlab(t, block);
  const table = BlackBox.at(t, tableAt).records;
  for (let i = 0; i < BLACK_BOX; i++) table.set(i, 0);
  const att = Attitude.at(t, attAt);
  const motors = Motors.at(t, motorsAt);
  uartWrite(t, uart, banner);
  for (let n = 1; ; n++) {
    yield* t.nextPeriod();
    const at = slab.allocate(RECORD_BYTES);
    if (at === null) {
      uartWrite(t, uart, "telemetry: log slab full\n");
      continue;
    }
    const r = LogRecord.at(t, at);
    r.time = n * periodMs;
    r.roll = milliDeg(att.roll);
    r.pitch = milliDeg(att.pitch);
    r.yaw = milliDeg(att.yaw);
    for (let m = 0; m < 4; m++) r.motors.set(m, motors.duty.get(m));
    r.used = att.used;
    r.lost = att.lost;
    const slot = n % BLACK_BOX;
    const old = table.get(slot);
    if (old !== 0) slab.free(old);
    table.set(slot, at);
    uartWrite(t, uart, formatRecord(t, r));
    if (n % 5 === 0) {
      const st = slab.stats();
      uartWrite(
        t,
        uart,
        `log: ${st.liveBlocks} records live in the slab (${RECORD_BYTES} B each, ${st.heldBytes} B slab in the heap), ${st.allocations} written, ${st.frees} recycled\n`,
      );
    }
  }
}
