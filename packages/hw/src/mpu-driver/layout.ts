import { HwError, type HwErrorCode } from "../errors.js";
import { hex32 } from "../format.js";
import type { MpuGrant, MpuRegionUse } from "./types.js";

/** A region a grant needs, before it has a number. */
export type RegionPiece = Omit<MpuRegionUse, "number">;

/** The region a grant needs when it maps to exactly one region, as asked. */
export function plainPiece(grant: MpuGrant, kernel: boolean): RegionPiece {
  return {
    grant,
    kernel,
    label: grant.label,
    base: grant.base,
    size: grant.size,
    access: grant.access,
    executable: grant.executable ?? false,
    memory: grant.memory ?? "normal-wb",
  };
}

/**
 * A typed error about one grant (nothing was laid out or loaded): the context names the grant
 * (`grant`: its label, `id`, `base`, `size`) and whose configuration it was for.
 */
export function grantError(
  code: HwErrorCode,
  grant: MpuGrant,
  who: string,
  why: string,
  extra: Record<string, unknown> = {},
): HwError {
  return new HwError(code, `${who}: grant "${grant.label}" [${hex32(grant.base)}, +${grant.size}) ${why}`, {
    who,
    grant: grant.label,
    id: grant.id,
    base: grant.base,
    size: grant.size,
    ...extra,
  });
}

/**
 * The task's grants name one grant each: `allocateRegion` replaces, and `removeRegion` removes,
 * every grant with the id it is given, so a second grant of an id would go with the first
 * (`MPU_GRANT_ID`, naming the second; `context.other` the first's label).
 */
export function checkTaskIds(task: readonly MpuGrant[], who: string): void {
  const seen = new Map<string, MpuGrant>();
  for (const grant of task) {
    const first = seen.get(grant.id);
    if (first !== undefined) {
      throw grantError("MPU_GRANT_ID", grant, who, `has the id "${grant.id}" of grant "${first.label}"`, {
        other: first.label,
      });
    }
    seen.set(grant.id, grant);
  }
}

/** The checks every architecture makes first: integer 32-bit base and size, size > 0, known access. */
export function checkGrantShape(grant: MpuGrant, who: string, accesses: readonly string[]): void {
  const { base, size } = grant;
  if (!Number.isInteger(base) || base < 0 || base > 0xffffffff) {
    throw grantError("MPU_GRANT_ALIGNMENT", grant, who, "has a base that is not a 32-bit address");
  }
  if (!Number.isInteger(size) || size <= 0 || base + size > 2 ** 32) {
    throw grantError("MPU_GRANT_SIZE", grant, who, "has a size that is not a positive integer within 4 GiB");
  }
  if (!accesses.includes(grant.access)) {
    throw grantError(
      "MPU_GRANT_ACCESS",
      grant,
      who,
      `asks for access "${String(grant.access)}", which this MPU cannot encode (it can: ${accesses.join(", ")})`,
      { access: grant.access },
    );
  }
}

/**
 * Numbers the pieces the way FreeRTOS-MPU and Zephyr do: the task's from region 0 up in order,
 * the kernel's in the highest-numbered regions (on PMSAv7 no task region can then override
 * them). Throws `MPU_REGIONS_EXHAUSTED` naming the pieces that do not fit.
 */
export function numberRegions(
  regionCount: number,
  who: string,
  kernel: readonly RegionPiece[],
  task: readonly RegionPiece[],
): (MpuRegionUse | null)[] {
  const free = regionCount - kernel.length;
  if (free < 0 || task.length > free) {
    const available = Math.max(0, free);
    const dropped = free < 0 ? kernel.slice(regionCount) : task.slice(free);
    const needed = free < 0 ? kernel.length : task.length;
    const whose = free < 0 ? "kernel" : who;
    throw new HwError(
      "MPU_REGIONS_EXHAUSTED",
      free < 0
        ? `the kernel needs ${needed} MPU regions but the MPU has ${regionCount}: ${dropped.map((p) => p.label).join(", ")} do not fit`
        : `${who} needs ${needed} MPU regions but only ${available} of ${regionCount} are left after the kernel's ${kernel.length}: ${dropped
            .map((p) => p.label)
            .join(", ")} do not fit`,
      { who: whose, needed, available, regionCount, dropped: dropped.map((p) => p.label) },
    );
  }
  const regions: (MpuRegionUse | null)[] = new Array(regionCount).fill(null);
  task.forEach((p, i) => {
    regions[i] = { number: i, ...p };
  });
  kernel.forEach((p, i) => {
    const n = regionCount - kernel.length + i;
    regions[n] = { number: n, ...p };
  });
  return regions;
}
