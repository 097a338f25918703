import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type QueueNode, ReadyQueue } from "./ready-queue.js";

interface Node extends QueueNode {
  readonly id: number;
}

function node(id: number): Node {
  return { id, qNext: null, qPrev: null, qOwner: null, qLevel: 0 };
}

/** A node whose property reads and writes are counted (to prove an operation touches few nodes). */
function counted(id: number, counter: { n: number }): Node {
  return new Proxy(node(id), {
    get(target, key, receiver) {
      counter.n++;
      return Reflect.get(target, key, receiver);
    },
    set(target, key, value, receiver) {
      counter.n++;
      return Reflect.set(target, key, value, receiver);
    },
  });
}

const ids = (ns: Node[]) => ns.map((n) => n.id);

describe("ReadyQueue", () => {
  it("keeps a bitmap of the non-empty levels and FIFO order inside a level", () => {
    const q = new ReadyQueue<Node>(32);
    const [a, b, c, d] = [node(1), node(2), node(3), node(4)];
    q.pushBack(a, 3);
    q.pushBack(b, 7);
    q.pushBack(c, 3);
    q.pushBack(d, 31);
    expect(q.bitmap).toBe(((1 << 3) | (1 << 7) | 0x80000000) >>> 0);
    expect(q.size).toBe(4);
    expect(q.highestLevel()).toBe(31);
    expect(ids(q.level(3))).toEqual([1, 3]);
    expect(q.popHighest()).toBe(d);
    expect(q.bitmap).toBe((1 << 3) | (1 << 7));
    expect(q.popHighest()).toBe(b);
    expect(q.popHighest()).toBe(a);
    expect(q.popHighest()).toBe(c);
    expect(q.bitmap).toBe(0);
    expect(q.highestLevel()).toBe(-1);
    expect(q.popHighest()).toBeNull();
  });

  it("pushFront puts a node at the head of its level; remove unlinks head, middle and tail", () => {
    const q = new ReadyQueue<Node>(8);
    const n = [node(0), node(1), node(2), node(3)];
    for (const x of n.slice(0, 3)) q.pushBack(x, 5);
    q.pushFront(n[3]!, 5);
    expect(ids(q.level(5))).toEqual([3, 0, 1, 2]);
    q.remove(n[1]!);
    expect(ids(q.level(5))).toEqual([3, 0, 2]);
    q.remove(n[3]!);
    expect(ids(q.level(5))).toEqual([0, 2]);
    q.remove(n[2]!);
    expect(ids(q.level(5))).toEqual([0]);
    expect(q.has(n[2]!)).toBe(false);
    expect(n[2]!.qOwner).toBeNull();
    q.remove(n[2]!); // not in the queue: no-op
    expect(q.size).toBe(1);
    q.remove(n[0]!);
    expect(q.bitmap).toBe(0);
    expect(q.size).toBe(0);
  });

  it("pops the highest of 2000 nodes without touching the others (no scan)", () => {
    const counter = { n: 0 };
    const q = new ReadyQueue<Node>(32);
    const low = Array.from({ length: 2000 }, (_, i) => counted(i, counter));
    for (const x of low) q.pushBack(x, 0);
    const high = counted(9999, counter);
    q.pushBack(high, 30);
    counter.n = 0;
    expect(q.popHighest()).toBe(high);
    // reads and writes of the popped node only (a handful), none of the 2000 others
    expect(counter.n).toBeLessThanOrEqual(10);
    counter.n = 0;
    q.remove(low[1000]!); // middle of a 2000-long level: its two neighbours are relinked
    expect(counter.n).toBeLessThanOrEqual(14);
    counter.n = 0;
    q.pushBack(high, 12);
    expect(counter.n).toBeLessThanOrEqual(6);
  });

  it("matches a model of per-level arrays under random operations", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant("push"), level: fc.integer({ min: 0, max: 7 }), front: fc.boolean() }),
            fc.record({ op: fc.constant("pop") }),
            fc.record({ op: fc.constant("remove"), pick: fc.nat() }),
          ),
          { maxLength: 80 },
        ),
        (ops) => {
          const q = new ReadyQueue<Node>(8);
          const model: Node[][] = Array.from({ length: 8 }, () => []);
          let next = 0;
          for (const o of ops) {
            if (o.op === "push") {
              const x = node(next++);
              if (o.front) {
                q.pushFront(x, o.level);
                model[o.level]!.unshift(x);
              } else {
                q.pushBack(x, o.level);
                model[o.level]!.push(x);
              }
            } else if (o.op === "pop") {
              let lvl = model.length - 1;
              while (lvl >= 0 && model[lvl]!.length === 0) lvl--;
              expect(q.popHighest()).toBe(lvl < 0 ? null : model[lvl]!.shift());
            } else {
              const all = model.flat();
              if (all.length === 0) continue;
              const x = all[o.pick % all.length]!;
              q.remove(x);
              const l = model[x.qLevel]!;
              l.splice(l.indexOf(x), 1);
            }
            let bits = 0;
            model.forEach((l, i) => {
              if (l.length > 0) bits |= 1 << i;
              expect(ids(q.level(i))).toEqual(ids(l));
            });
            expect(q.bitmap).toBe(bits);
          }
        },
      ),
      { seed: 6, numRuns: 200 },
    );
  });
});
