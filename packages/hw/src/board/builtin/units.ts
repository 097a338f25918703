/** One kibibyte (1024 bytes), for the built-in boards' memory sizes. */
export const KiB = 1024;

/** One mebibyte (1024 KiB), for the built-in boards' memory sizes. */
export const MiB = 1024 * KiB;
