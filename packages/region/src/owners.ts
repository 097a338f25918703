import { RegionError } from "./errors.js";

/** Largest owner id a page entry holds (16 bits; 0 means nobody). */
export const MAX_OWNER_ID = 0xffff;

/**
 * Maps owner names to the small ids stored in page entries. The id in memory is the truth about
 * who holds a page; this registry only names ids for reports. Ids are given in order of first
 * use, from 1, and never reused.
 */
export class OwnerRegistry {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [""];
  /** One-entry cache: a kernel usually allocates for the same owner many times in a row. */
  private lastName: string | null = null;
  private lastId = 0;

  /** The id of `owner`, registering it on first use (`BAD_OWNER` on a bad name or when ids run out). */
  idOf(owner: unknown): number {
    if (owner === this.lastName) return this.lastId;
    const known = typeof owner === "string" ? this.ids.get(owner) : undefined;
    if (known !== undefined) {
      this.lastName = owner as string;
      this.lastId = known;
      return known;
    }
    if (typeof owner !== "string" || owner.length === 0 || owner.length > 64) {
      throw new RegionError("BAD_OWNER", "owner must be a non-empty string of at most 64 characters", { owner });
    }
    if (this.names.length > MAX_OWNER_ID) {
      throw new RegionError("BAD_OWNER", `no owner id left for "${owner}" (${MAX_OWNER_ID} in use)`, { owner });
    }
    const id = this.names.length;
    this.names.push(owner);
    this.ids.set(owner, id);
    return id;
  }

  /** The name of owner id `id`, or `owner#<id>` for an id nobody registered (a corrupt entry). */
  nameOf(id: number): string {
    return this.names[id] ?? `owner#${id}`;
  }

  /** Registered owners in id order. */
  list(): readonly { readonly id: number; readonly name: string }[] {
    return this.names.slice(1).map((name, i) => ({ id: i + 1, name }));
  }
}
