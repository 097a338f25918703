/**
 * Colours of page owners and tasks in the report: stable for a name, and distinct within a report:
 * the first dozen from a palette, the rest hues spread by the golden angle.
 */

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
      const i = this.assigned.size;
      c = i < PALETTE.length ? PALETTE[i]! : spreadHue(i - PALETTE.length);
      this.assigned.set(key, c);
    }
    return c;
  }
}

/**
 * The `n`th colour past the palette: hues 137.5 degrees apart (the golden angle, so no two of a
 * report's owners share one), at the palette's middling saturation and lightness, as `#rrggbb`.
 */
function spreadHue(n: number): string {
  const h = (15 + n * 137.508) % 360;
  const s = 0.5;
  const l = n % 2 === 0 ? 0.55 : 0.7;
  const a = s * Math.min(l, 1 - l);
  const channel = (k: number) => {
    const t = (k + h / 30) % 12;
    const v = l - a * Math.max(-1, Math.min(t - 3, 9 - t, 1));
    return Math.round(v * 255)
      .toString(16)
      .padStart(2, "0");
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}
