/** A node of the {@link TimerHeap}: the wake tick, a tie-breaking sequence number, its heap slot. */
export interface TimerNode {
  /** Tick at which the timer expires. */
  wakeTick: number;
  /** Insertion number: among equal wake ticks, the earlier insertion expires first. */
  timerSeq: number;
  /** Index in the heap array, or -1 when not in the heap. */
  heapIndex: number;
}

/**
 * A binary min-heap of timers ordered by (wake tick, insertion number): deterministic order for
 * equal wake ticks, O(log n) insert, pop and remove (each node remembers its slot, so a wait
 * that ends before its timeout removes its timer without a search).
 *
 * @example
 * ```ts
 * import { TimerHeap, type TimerNode } from "@rtos-sim/sched";
 * interface Alarm extends TimerNode { readonly name: string }
 * const alarm = (name: string): Alarm => ({ name, wakeTick: 0, timerSeq: 0, heapIndex: -1 });
 * const h = new TimerHeap<Alarm>();
 * h.insert(alarm("a"), 10);
 * h.insert(alarm("b"), 5);
 * h.insert(alarm("c"), 10);
 * console.log(h.pop()?.name, h.pop()?.name, h.pop()?.name); // b a c
 * // a before c: a was inserted first
 * ```
 */
export class TimerHeap<N extends TimerNode> {
  private readonly items: N[] = [];
  private seq = 0;

  /** Number of pending timers. */
  get size(): number {
    return this.items.length;
  }

  /** The earliest timer, or null. */
  peek(): N | null {
    return this.items[0] ?? null;
  }

  /**
   * Timers that expire at exactly `tick` (a SysTick handler's wakes at that tick). Visits only
   * the timers due at or before it: a subtree whose root is later holds none.
   */
  countAt(tick: number): number {
    const items = this.items;
    let n = 0;
    const todo: number[] = items.length > 0 ? [0] : [];
    while (todo.length > 0) {
      const i = todo.pop()!;
      const w = items[i]!.wakeTick;
      if (w > tick) continue;
      if (w === tick) n++;
      if (2 * i + 1 < items.length) todo.push(2 * i + 1);
      if (2 * i + 2 < items.length) todo.push(2 * i + 2);
    }
    return n;
  }

  /** Adds `n` to expire at `wakeTick`. The node must not be in the heap. */
  insert(n: N, wakeTick: number): void {
    n.wakeTick = wakeTick;
    n.timerSeq = this.seq++;
    n.heapIndex = this.items.length;
    this.items.push(n);
    this.up(n.heapIndex);
  }

  /** Removes and returns the earliest timer. */
  pop(): N | null {
    const top = this.items[0];
    if (top === undefined) return null;
    this.remove(top);
    return top;
  }

  /** Removes `n` (no-op when it is not in the heap). */
  remove(n: N): void {
    const i = n.heapIndex;
    if (i < 0 || this.items[i] !== n) return;
    const last = this.items.pop()!;
    n.heapIndex = -1;
    if (last === n) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.up(i);
    this.down(last.heapIndex);
  }

  /** The timers in heap-array order (for tests of the structure). */
  toArray(): readonly N[] {
    return this.items;
  }

  private less(a: N, b: N): boolean {
    return a.wakeTick < b.wakeTick || (a.wakeTick === b.wakeTick && a.timerSeq < b.timerSeq);
  }

  private up(i: number): void {
    const items = this.items;
    const n = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!this.less(n, p)) break;
      items[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    items[i] = n;
    n.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const len = items.length;
    const n = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= len) break;
      const r = l + 1;
      const c = r < len && this.less(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!this.less(child, n)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = n;
    n.heapIndex = i;
  }
}
