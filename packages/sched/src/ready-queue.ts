/**
 * A node of a {@link ReadyQueue}: the links live in the node itself (an intrusive list, like
 * FreeRTOS's `xStateListItem`), so insert and remove allocate nothing and never search.
 */
export interface QueueNode {
  /** Next node at the same priority, or null at the tail. */
  qNext: QueueNode | null;
  /** Previous node at the same priority, or null at the head. */
  qPrev: QueueNode | null;
  /** The queue holding the node, or null when it is in none. */
  qOwner: ReadyQueue<QueueNode> | null;
  /** The priority level the node is filed under while in a queue. */
  qLevel: number;
}

/**
 * One FIFO list per priority level plus a 32-bit bitmap of the non-empty levels: finding the
 * highest ready priority is one `Math.clz32`, pushing, popping and removing are O(1), and no
 * operation looks at nodes other than the ones it links or unlinks. Level 31 is the highest.
 * The scheduler's ready queue and every wait queue use it.
 *
 * @example
 * ```ts
 * import { type QueueNode, ReadyQueue } from "@rtos-sim/sched";
 * interface Job extends QueueNode { readonly name: string }
 * const job = (name: string): Job => ({ name, qNext: null, qPrev: null, qOwner: null, qLevel: 0 });
 * const q = new ReadyQueue<Job>(32);
 * q.pushBack(job("a"), 3); q.pushBack(job("b"), 7);
 * console.log(q.bitmap.toString(2)); // 10001000
 * console.log(q.popHighest()?.name); // b
 * ```
 */
export class ReadyQueue<N extends QueueNode> {
  /** Number of levels (1..32). */
  readonly levels: number;
  private readonly heads: (N | null)[];
  private readonly tails: (N | null)[];
  private bits = 0;
  private count = 0;

  constructor(levels: number) {
    this.levels = levels;
    this.heads = new Array<N | null>(levels).fill(null);
    this.tails = new Array<N | null>(levels).fill(null);
  }

  /** Bit `p` is set when level `p` holds at least one node. */
  get bitmap(): number {
    return this.bits >>> 0;
  }

  /** Number of nodes in the queue. */
  get size(): number {
    return this.count;
  }

  /** The highest non-empty level, or -1 when the queue is empty. */
  highestLevel(): number {
    return 31 - Math.clz32(this.bits);
  }

  /** The first node of the highest non-empty level, without removing it. */
  peekHighest(): N | null {
    return this.bits === 0 ? null : this.heads[31 - Math.clz32(this.bits)]!;
  }

  /** Removes and returns the first node of the highest non-empty level. */
  popHighest(): N | null {
    const n = this.peekHighest();
    if (n !== null) this.remove(n);
    return n;
  }

  /** The nodes of one level, head first (for reports and tests; O(length of that level)). */
  level(p: number): N[] {
    const out: N[] = [];
    for (let n = this.heads[p] ?? null; n !== null; n = n.qNext as N | null) out.push(n);
    return out;
  }

  /** Appends `n` at the tail of level `p` (round-robin order). The node must be in no queue. */
  pushBack(n: N, p: number): void {
    const tail = this.tails[p]!;
    n.qOwner = this;
    n.qLevel = p;
    n.qNext = null;
    n.qPrev = tail;
    if (tail === null) {
      this.heads[p] = n;
      this.bits |= 1 << p;
    } else tail.qNext = n;
    this.tails[p] = n;
    this.count++;
  }

  /** Inserts `n` at the head of level `p` (it runs next at that level). The node must be in no queue. */
  pushFront(n: N, p: number): void {
    const head = this.heads[p]!;
    n.qOwner = this;
    n.qLevel = p;
    n.qPrev = null;
    n.qNext = head;
    if (head === null) {
      this.tails[p] = n;
      this.bits |= 1 << p;
    } else head.qPrev = n;
    this.heads[p] = n;
    this.count++;
  }

  /** Unlinks `n` from this queue in O(1); clears the level's bit when it empties. No-op if absent. */
  remove(n: N): void {
    if (n.qOwner !== this) return;
    const p = n.qLevel;
    const prev = n.qPrev as N | null;
    const next = n.qNext as N | null;
    if (prev === null) this.heads[p] = next;
    else prev.qNext = next;
    if (next === null) this.tails[p] = prev;
    else next.qPrev = prev;
    if (this.heads[p] === null) this.bits &= ~(1 << p);
    n.qNext = null;
    n.qPrev = null;
    n.qOwner = null;
    this.count--;
  }

  /** Whether `n` is in this queue. */
  has(n: N): boolean {
    return n.qOwner === this;
  }
}
