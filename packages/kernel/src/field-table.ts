/**
 * The fields a description type has, as a table the compiler holds to the interface both ways
 * (`{ [K in keyof Required<T>]: true }`), and the check that an object names no other field: a
 * misspelt or misplaced field in an app or task description would otherwise be dropped in
 * silence and its default would apply.
 */

/** A table of the fields of `T`. */
export type FieldTable<T> = { readonly [K in keyof Required<T>]: true };

/**
 * The first field `value` names that `table` lacks, with the field meant when one differs from
 * it only in case (`stacksize` -> `stackSize`); null when every field is in the table.
 *
 * @example
 * ```ts
 * import { unknownField } from "./field-table.js";
 * const fields = { name: true, stackSize: true, priority: true };
 * console.log(unknownField({ stacksize: 1 }, fields)); // { field: 'stacksize', meant: 'stackSize' }
 * ```
 */
export function unknownField(value: object, table: object): { field: string; meant: string | null } | null {
  for (const field of Object.keys(value)) {
    if (Object.hasOwn(table, field)) continue;
    const meant = Object.keys(table).find((f) => f.toLowerCase() === field.toLowerCase()) ?? null;
    return { field, meant };
  }
  return null;
}

/** The table's fields as a list for a message: `name, priority, ...`. */
export function fieldList(table: object): string {
  return Object.keys(table).join(", ");
}
