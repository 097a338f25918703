import { HwError, requireObject } from "../errors.js";
import type { MpuArchitecture, MpuRegionView } from "../mpu/view.js";
import { checkTaskIds, grantError, numberRegions, type RegionPiece } from "./layout.js";
import type { MpuConfig, MpuConfigRequest, MpuDriver, MpuGrant, MpuRegionUse, RegionAccess } from "./types.js";

/** What an architecture makes of one grant: its regions, and a stack limit when it sets one. */
export interface Realised {
  /** The regions the grant becomes, lowest-numbered first (PMSAv7 guarded stack: the stack, then its guard). */
  readonly pieces: readonly RegionPiece[];
  /** PSPLIM for a guarded stack on architectures that realise guards with it. */
  readonly stackLimit?: number;
}

let nextConfigId = 1;

/**
 * A configuration laid out by a {@link GrantDriver}: immutable, its register words computed once,
 * with what its architecture prepared from them for the load (private to the driver).
 */
class LaidOutConfig<P> implements MpuConfig {
  readonly id = nextConfigId++;
  private viewsCache: readonly MpuRegionView[] | null = null;
  /** The driver that laid it out: a private field, so no other object can claim it. */
  readonly #driver: GrantDriver<P>;
  /** The architecture's load of the words, prepared at layout ({@link GrantDriver.prepare}). */
  readonly #prepared: P;

  /** Whether `config` was laid out by `driver` (a field read: the check runs at every load). */
  static madeBy(config: MpuConfig, driver: object): boolean {
    return #driver in config && config.#driver === driver;
  }

  /** What its driver prepared for loading `config` (a configuration {@link LaidOutConfig.madeBy} that driver). */
  static preparedBy<P>(config: MpuConfig): P {
    return (config as LaidOutConfig<P>).#prepared;
  }

  constructor(
    driver: GrantDriver<P>,
    prepared: P,
    readonly architecture: MpuArchitecture,
    readonly who: string,
    readonly regionCount: number,
    readonly kernelGrants: readonly MpuGrant[],
    readonly grants: readonly MpuGrant[],
    readonly regions: readonly (MpuRegionUse | null)[],
    readonly words: Uint32Array,
    readonly stackLimit: number | null,
    readonly record: Uint32Array,
    private readonly decode: (words: Uint32Array) => readonly MpuRegionView[],
  ) {
    this.#driver = driver;
    this.#prepared = prepared;
  }

  views(): readonly MpuRegionView[] {
    this.viewsCache ??= this.decode(this.words);
    return this.viewsCache;
  }
}

/**
 * The part of an MPU driver every architecture shares: laying grants out (the task's from
 * region 0, the kernel's at the top), copy-on-write reconfiguration, and the load cache (the
 * driver remembers the configuration it loaded and skips loading it again, as Tock's Cortex-M
 * MPU does with `hardware_is_configured_for`). Each architecture supplies how one grant becomes
 * regions, how regions become register words, what it prepares from the words at layout time
 * (`P`), how they are written and decoded.
 */
export abstract class GrantDriver<P = null> implements MpuDriver {
  /** PMSAv7 or PMSAv8. */
  abstract readonly architecture: MpuArchitecture;
  abstract readonly regionCount: number;
  abstract readonly accesses: readonly RegionAccess[];
  private loadedConfig: MpuConfig | null = null;
  private loadCount = 0;
  private skipCount = 0;

  /** The regions of one grant (validated; a typed error naming it otherwise). */
  protected abstract realise(grant: MpuGrant, kernel: boolean, who: string): Realised;
  /** Rejects a layout the architecture cannot hold (PMSAv8: overlapping regions). */
  protected abstract checkLayout(pieces: readonly RegionPiece[], who: string): void;
  /** The two register words per region. */
  protected abstract encode(regions: readonly (MpuRegionUse | null)[]): Uint32Array;
  /**
   * What the load of a configuration's words needs that can be worked out once, when it is laid
   * out (PMSAv7: the words checked as a whole-MPU STM), kept with the configuration.
   */
  protected abstract prepare(words: Uint32Array): P;
  /** Writes a configuration's registers (`prepared`: what {@link GrantDriver.prepare} made of its words). */
  protected abstract write(config: MpuConfig, prepared: P): void;
  /** Words of a configuration's record ({@link MpuConfig.record}). */
  abstract readonly recordWords: number;
  /** A configuration's record: what a kernel keeps in memory and loads at a switch. */
  protected abstract recordOf(words: Uint32Array, stackLimit: number | null): Uint32Array;
  /** Writes the registers from a record as the architecture's load sequence does, whatever its words say. */
  protected abstract writeRecord(record: ArrayLike<number>): void;
  /** Decodes a configuration's words into views. */
  protected abstract decode(words: Uint32Array): readonly MpuRegionView[];

  get loaded(): MpuConfig | null {
    return this.loadedConfig;
  }
  get loads(): number {
    return this.loadCount;
  }
  get skips(): number {
    return this.skipCount;
  }

  newConfig(request: MpuConfigRequest): MpuConfig {
    checkRequest(request);
    const { who } = request;
    checkTaskIds(request.task, who);
    const kernel = request.kernel.map((g) => this.realise(g, true, who));
    const task = request.task.map((g) => this.realise(g, false, who));
    const guarded = [...request.task, ...request.kernel].filter(
      (_, i) => [...task, ...kernel][i]!.stackLimit !== undefined,
    );
    if (guarded.length > 1) {
      throw grantError(
        "MPU_GRANT_GUARD",
        guarded[1]!,
        who,
        "is a second guarded stack: there is one stack limit register",
        {
          first: guarded[0]!.label,
        },
      );
    }
    const kernelPieces = kernel.flatMap((r) => r.pieces);
    const taskPieces = task.flatMap((r) => r.pieces);
    this.checkLayout([...taskPieces, ...kernelPieces], who);
    const regions = numberRegions(this.regionCount, who, kernelPieces, taskPieces);
    const limit = [...task, ...kernel].find((r) => r.stackLimit !== undefined)?.stackLimit ?? null;
    const words = this.encode(regions);
    const record = this.recordOf(words, limit);
    const config = new LaidOutConfig<P>(
      this,
      this.prepare(words),
      this.architecture,
      who,
      this.regionCount,
      Object.freeze([...request.kernel]),
      Object.freeze([...request.task]),
      Object.freeze(regions),
      words,
      limit,
      record,
      (words) => this.decode(words),
    );
    return config;
  }

  allocateRegion(config: MpuConfig, grant: MpuGrant): MpuConfig {
    this.own(config);
    const task = [...config.grants.filter((g) => g.id !== grant.id), grant];
    return this.newConfig({ who: config.who, kernel: config.kernelGrants, task });
  }

  removeRegion(config: MpuConfig, id: string): MpuConfig {
    this.own(config);
    if (!config.grants.some((g) => g.id === id)) return config;
    const task = config.grants.filter((g) => g.id !== id);
    return this.newConfig({ who: config.who, kernel: config.kernelGrants, task });
  }

  configureMpu(config: MpuConfig): void {
    if (this.loadedConfig === config) {
      this.skipCount++;
      return;
    }
    this.own(config);
    this.write(config, LaidOutConfig.preparedBy<P>(config));
    this.loadedConfig = config;
    this.loadCount++;
  }

  configureFromRecord(config: MpuConfig, record: ArrayLike<number>): boolean {
    this.own(config);
    const mine = config.record;
    const n = mine.length;
    if (record === null || typeof record !== "object" || record.length !== n) {
      throw new HwError(
        "BAD_ARGUMENT",
        `configureFromRecord: the record must hold ${n} words (${this.architecture}, ${this.regionCount} regions), got ${
          record === null || typeof record !== "object" ? String(record) : record.length
        }`,
        { expected: n, architecture: this.architecture },
      );
    }
    let same = true;
    for (let i = 0; i < n; i++) {
      if (record[i]! >>> 0 !== mine[i]) {
        same = false;
        break;
      }
    }
    if (same) {
      this.configureMpu(config);
      return true;
    }
    // Not the configuration laid out: the registers get what memory holds, as on silicon.
    this.writeRecord(record);
    this.loadedConfig = null;
    this.loadCount++;
    return false;
  }

  invalidate(): void {
    this.loadedConfig = null;
  }

  private own(config: MpuConfig): void {
    if (!LaidOutConfig.madeBy(config, this)) {
      throw new HwError(
        "MPU_CONFIG_FOREIGN",
        `configuration ${config.id} (${config.who}) was not laid out by this ${this.architecture} driver`,
        { id: config.id, who: config.who, architecture: config.architecture },
      );
    }
  }
}

/** `BAD_ARGUMENT` unless `request` is an object with a string `who` and `kernel` and `task` arrays (before any grant is read). */
function checkRequest(request: MpuConfigRequest): void {
  requireObject(request, "newConfig: request");
  const { who, kernel, task } = request as { who?: unknown; kernel?: unknown; task?: unknown };
  if (typeof who !== "string") {
    throw new HwError("BAD_ARGUMENT", "newConfig: request.who must be a string", {
      field: "request.who",
      value: typeof who,
    });
  }
  for (const [name, list] of [
    ["kernel", kernel],
    ["task", task],
  ] as const) {
    if (!Array.isArray(list)) {
      throw new HwError("BAD_ARGUMENT", `newConfig: request.${name} must be an array of grants`, {
        field: `request.${name}`,
        value: list === null ? "null" : typeof list,
      });
    }
  }
}
