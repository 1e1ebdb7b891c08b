/**
 * Helpers for the cross-field rules. They run even when parts of the config are invalid (so every
 * problem is reported at once), so they take `unknown` and skip what the schema reports itself.
 */

/** Reports a problem at a path of the environment's config. */
export type AddProblem = (path: (string | number)[], message: string) => void;

/** The fields of a config section, each possibly invalid. */
export type Loose<T> = { [K in keyof T]?: unknown };

export const isCount = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0;

export function objectOrUndefined(value: unknown): object | undefined {
  return typeof value === "object" && value !== null ? value : undefined;
}

/** The entries of an array that are objects (others are reported by the schema), keeping positions. */
export function objectsIn(value: unknown): ({ name?: unknown } | undefined)[] {
  return Array.isArray(value) ? value.map((entry) => objectOrUndefined(entry) as { name?: unknown } | undefined) : [];
}

/** Positions of strings equal to an earlier entry. */
export function duplicatePositions(values: unknown): number[] {
  if (!Array.isArray(values)) return [];
  return values.flatMap((v, i) => (typeof v === "string" && values.indexOf(v) !== i ? [i] : []));
}
