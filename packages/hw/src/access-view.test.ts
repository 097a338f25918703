import { describe, expect, it } from "vitest";
import { ViewCache } from "./access-view.js";
import { STM32F407 } from "./board/builtin/stm32f407.js";
import { createMachine } from "./machine.js";
import type { PermTable } from "./mpu/model.js";
import { permTable } from "./mpu/perm-table.js";

/**
 * The view cache's slots: one per (table, privilege level, cycle counting) in use, the least
 * recently used reused first, and per table the offsets of its views, which the core reads when
 * only the privilege changes.
 */

function setup() {
  const bus = createMachine(STM32F407).bus;
  const cache = new ViewCache(bus);
  const table = (): PermTable => permTable(bus.layout, new Uint8Array(bus.layout.granules));
  return { cache, table, usable: bus.bufferLayout.viewSlots - 1, size: bus.bufferLayout.viewBytes };
}

describe("ViewCache", () => {
  it("gives each table and variant its own slot; offsetsOf holds the offsets taken, 0 for the others", () => {
    const { cache, table, size } = setup();
    const a = table();
    const b = table();
    expect(Array.from(cache.offsetsOf(a))).toEqual([0, 0, 0, 0]);
    const ap = cache.get(a, true, false);
    const au = cache.get(a, false, false);
    const bc = cache.get(b, false, true);
    expect(new Set([cache.closed, ap, au, bc]).size).toBe(4);
    for (const at of [ap, au, bc]) expect((at - cache.closed) % size).toBe(0);
    expect(Array.from(cache.offsetsOf(a))).toEqual([ap, au, 0, 0]);
    expect(Array.from(cache.offsetsOf(b))).toEqual([0, 0, 0, bc]);
    expect(cache.get(a, false, false)).toBe(au); // found again, no new slot
  });

  it("reuses the least recently used slot and clears the offset of the view it held", () => {
    const { cache, table, usable } = setup();
    const tables = Array.from({ length: usable + 1 }, table);
    const offsets = tables.slice(0, usable).map((t) => cache.get(t, true, false));
    const first = cache.offsetsOf(tables[0]!);
    expect(first[0]).toBe(offsets[0]);
    // One table more than slots: the first one's view goes, in the array the cache handed out.
    expect(cache.get(tables[usable]!, true, false)).toBe(offsets[0]);
    expect(first[0]).toBe(0);
    expect(cache.offsetsOf(tables[1]!)[0]).toBe(offsets[1]);
  });

  it("counts a use of a view as a use of the table's view at the other privilege level", () => {
    const { cache, table, usable } = setup();
    const a = table();
    const au = cache.get(a, false, false); // the oldest slot: unprivileged
    cache.get(a, true, false);
    const others = Array.from({ length: usable - 2 }, table);
    for (const t of others) cache.get(t, true, false);
    cache.get(a, true, false); // marks a's unprivileged view used too
    cache.get(table(), true, false); // every slot is taken: the least recently used goes
    expect(cache.offsetsOf(a)[1]).toBe(au);
    expect(cache.offsetsOf(others[0]!)[0]).toBe(0);
  });

  it("a slot taken for another table holds zeros but for the chunks built for that table", () => {
    const bus = createMachine(STM32F407).bus;
    const cache = new ViewCache(bus);
    const slots = bus.bufferLayout.viewSlots - 1;
    const all = new Uint8Array(bus.layout.granules).fill(0xff); // every permission, everywhere
    const view = (at: number) => new Uint8Array(bus.buffer, at, bus.bufferLayout.viewBytes);
    const sram = bus.offsetOf(0x20000000);
    const ccm = bus.offsetOf(0x10000000);
    const a = permTable(bus.layout, all);
    const at = cache.get(a, true, false);
    cache.fill(at, sram);
    cache.fill(at, ccm);
    const built = view(at).reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
    expect(built).toBe(2 * 2048); // two 64 KiB chunks: SRAM1's first, CCM's first
    // Every other slot taken, then one more table: it takes a's slot.
    for (let n = 1; n < slots; n++) cache.get(permTable(bus.layout, all), true, false);
    const b = permTable(bus.layout, all);
    expect(cache.get(b, true, false)).toBe(at);
    expect(view(at).every((v) => v === 0)).toBe(true); // nothing of a's view left to pass
    cache.fill(at, sram + 0x100);
    expect(view(at)[(sram + 0x100) >>> 5]).toBe(0xf); // b's view: loads and stores at both levels, no cost
    expect(view(at).reduce((n, v) => n + (v !== 0 ? 1 : 0), 0)).toBe(2048);
  });
});
