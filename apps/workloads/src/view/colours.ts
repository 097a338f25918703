/** Colours of page owners and tasks in the report: stable for a name, distinct for the first dozen. */

const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#b07aa1",
  "#edc948",
  "#76b7b2",
  "#ff9da7",
  "#9c755f",
  "#e15759",
  "#86bcb6",
  "#d37295",
  "#8cd17d",
] as const;

/** Fixed colours of the special owners. */
const FIXED: Readonly<Record<string, string>> = {
  free: "#e8e8e8",
  metadata: "#555555",
  kernel: "#2f4b7c",
};

/** Assigns colours to names in order of first request (so a report's owners get distinct colours). */
export class ColourMap {
  private readonly assigned = new Map<string, string>();

  /** The colour of an owner or task name (null: free). */
  of(name: string | null): string {
    const key = name ?? "free";
    const fixed = FIXED[key] ?? (key.startsWith("reserved") ? "#a0a0a0" : undefined);
    if (fixed) return fixed;
    let c = this.assigned.get(key);
    if (c === undefined) {
      c = PALETTE[this.assigned.size % PALETTE.length]!;
      this.assigned.set(key, c);
    }
    return c;
  }
}
