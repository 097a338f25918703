/** Context of a peripheral register access. */
export interface PeripheralAccess {
  /** Whether the access is privileged. */
  readonly privileged: boolean;
  /** The actor tag of the core when the access was made. */
  readonly actor: number;
}

/**
 * A memory-mapped peripheral: registers at offsets from its base. Sizes are 1, 2 or 4 bytes;
 * values are little-endian unsigned. Like the Wokwi models, one small interface per device.
 */
export interface Peripheral {
  /** Device name, e.g. "USART2". */
  readonly name: string;
  /** Bytes of address space it decodes from its base. */
  readonly size: number;
  /** Reads `size` bytes at `offset` (within the device: an access past its `size` is a BusFault). */
  read(offset: number, size: 1 | 2 | 4, access: PeripheralAccess): number;
  /** Writes the low `size` bytes of `value` at `offset`. */
  write(offset: number, size: 1 | 2 | 4, value: number, access: PeripheralAccess): void;
}
