/**
 * A value as an error message shows it, for any value a caller may pass: strings quoted, numbers
 * as written (`NaN`, `-0`), bigints with their `n`, symbols by description, objects by kind.
 * Never throws and runs none of the value's code (`JSON.stringify` threw on a bigint or a
 * cycle, and `String` on an object without a prototype, turning a bad field into a TypeError).
 */
export function valueText(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "undefined":
      return "undefined";
    case "boolean":
      return String(value);
    case "function":
      return "a function";
    default:
      return value === null ? "null" : Array.isArray(value) ? "an array" : "an object";
  }
}
