import { type MemoryPort, valueText } from "@rtos-sim/hw";
import { RegionError, RegionManager, type ReservedRange } from "@rtos-sim/region";
import { KernelError } from "./errors.js";
import type { BoardLayout } from "./layout.js";

/**
 * The region manager over a board's RAM, with the image reserved at the start of the main RAM.
 * What the region manager refuses because of the kernel's options comes out as the kernel's
 * `BAD_CONFIG`, naming the option (`pageOrder` or `imageSize`) and carrying the region
 * manager's code and context, so `bootKernel` raises kernel errors for kernel options.
 */
export function bootRegions(
  memory: MemoryPort,
  layout: BoardLayout,
  pageOrder: number,
  image: ReservedRange,
): RegionManager {
  const { main } = layout;
  if (image.size > main.size) {
    throw new KernelError(
      "BAD_CONFIG",
      `imageSize ${image.size} is larger than ${main.name} (${main.size} bytes), the RAM the image occupies`,
      { field: "imageSize", value: image.size, region: main.name, regionSize: main.size },
    );
  }
  try {
    return new RegionManager({
      memory,
      regions: layout.ram.map((r) => ({ name: r.name, start: r.start, size: r.size })),
      pageOrder,
      reserved: [image],
    });
  } catch (e) {
    if (!(e instanceof RegionError)) throw e;
    const field = blamed(e, main.name);
    if (field === null) throw e;
    const value = field === "pageOrder" ? pageOrder : image.size;
    throw new KernelError("BAD_CONFIG", `${field} ${valueText(value)} (${e.code}): ${e.detail}`, {
      field,
      value,
      regionError: e.code,
      ...e.context,
    });
  }
}

/**
 * Which kernel option a region manager error at boot comes from: the page order (out of range,
 * or pages so large a region holds too few), or the image (it leaves its region no page to
 * allocate); null for anything else, which is the kernel's own bug and goes out as it is.
 */
function blamed(e: RegionError, mainName: string): "pageOrder" | "imageSize" | null {
  if (e.code === "BAD_PAGE_ORDER") return "pageOrder";
  if (e.code !== "REGION_TOO_SMALL") return null;
  const reserved = (e.context as { reservedPages?: unknown }).reservedPages;
  const region = (e.context as { region?: unknown }).region;
  return region === mainName && typeof reserved === "number" && reserved > 0 ? "imageSize" : "pageOrder";
}
