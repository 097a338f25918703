import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TimerHeap, type TimerNode } from "./timer-heap.js";

interface T extends TimerNode {
  readonly id: number;
}
const timer = (id: number): T => ({ id, wakeTick: 0, timerSeq: 0, heapIndex: -1 });

describe("TimerHeap", () => {
  it("pops by wake tick, equal ticks in insertion order", () => {
    const h = new TimerHeap<T>();
    const [a, b, c, d] = [timer(1), timer(2), timer(3), timer(4)];
    h.insert(a, 10);
    h.insert(b, 5);
    h.insert(c, 10);
    h.insert(d, 5);
    expect(h.peek()).toBe(b);
    expect([h.pop(), h.pop(), h.pop(), h.pop()].map((x) => x?.id)).toEqual([2, 4, 1, 3]);
    expect(h.pop()).toBeNull();
    expect(a.heapIndex).toBe(-1);
  });

  it("removes any timer by its slot, keeping the order of the rest", () => {
    const h = new TimerHeap<T>();
    const ts = Array.from({ length: 9 }, (_, i) => timer(i));
    for (const [i, t] of ts.entries()) h.insert(t, (i * 7) % 5);
    h.remove(ts[4]!);
    h.remove(ts[0]!);
    h.remove(ts[0]!); // already out: no-op
    expect(h.size).toBe(7);
    const out: number[] = [];
    for (let t = h.pop(); t !== null; t = h.pop()) out.push(t.id);
    // ticks: 0:0 1:2 2:4 3:1 4:3 5:0 6:2 7:4 8:1 -> minus ids 0 and 4
    expect(out).toEqual([5, 3, 8, 1, 6, 2, 7]);
  });

  it("counts the timers due at exactly one tick (countAt), whatever their places in the heap", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 40 }),
        fc.integer({ min: -1, max: 7 }),
        (ticks, at) => {
          const h = new TimerHeap<T>();
          for (const [i, w] of ticks.entries()) h.insert(timer(i), w);
          expect(h.countAt(at)).toBe(ticks.filter((w) => w === at).length);
        },
      ),
      { seed: 0x5eee4 },
    );
    expect(new TimerHeap<T>().countAt(0)).toBe(0);
  });

  it("keeps the heap property and slot indexes under random inserts and removes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(-1), fc.constant(-2)), { maxLength: 100 }),
        (ops) => {
          const h = new TimerHeap<T>();
          const live: T[] = [];
          let id = 0;
          for (const o of ops) {
            if (o >= 0) {
              const t = timer(id++);
              h.insert(t, o);
              live.push(t);
            } else if (o === -1) {
              const t = h.pop();
              if (t) live.splice(live.indexOf(t), 1);
            } else if (live.length > 0) {
              const t = live.splice(Math.floor(live.length / 2), 1)[0]!;
              h.remove(t);
            }
            const arr = h.toArray();
            arr.forEach((t, i) => {
              expect(t.heapIndex).toBe(i);
              if (i > 0) {
                const p = arr[(i - 1) >> 1]!;
                expect(p.wakeTick < t.wakeTick || (p.wakeTick === t.wakeTick && p.timerSeq < t.timerSeq)).toBe(true);
              }
            });
            expect(arr.length).toBe(live.length);
          }
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
