/**
 * A deep, frozen copy of plain report data (objects, arrays, primitives). Reports leave the
 * checker for code it does not trust: a task catches the {@link CheckerFault} that stopped it and
 * holds its report, which is also the entry in the checker's report list and the kernel's fault
 * record; a copy frozen at every level keeps a task from rewriting what is said about it (its
 * kind, its task name, the block's history) after the fact, and keeps the checker's own records
 * (the ledger's sites) out of the task's reach.
 */
export function frozenCopy<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return Object.freeze(value.map((x) => frozenCopy(x))) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = frozenCopy((value as Record<string, unknown>)[key]);
  return Object.freeze(out) as T;
}
