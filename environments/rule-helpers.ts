/**
 * Helpers for the cross-field rules. They run even when parts of the config are invalid (so every
 * problem is reported at once), so they take `unknown` and skip what the schema reports itself.
 */

import type { PropsProblem } from "../constructs/core/errors";

/** Reports a problem at a path of the environment's config. */
export type AddProblem = (path: (string | number)[], message: string) => void;

/** The fields of a config section, each possibly invalid. */
export type Loose<T> = { [K in keyof T]?: unknown };

export const isCount = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0;

/** The value as a construct's prop, where it has the type (the schema reports the others). */
export const stringOrUndefined = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
export const numberOrUndefined = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
export const stringsOrUndefined = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;

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

/**
 * Reports a construct's problems (its `...Problems` function's) at the config's fields: below `at`, with a prop
 * renamed where the config names it otherwise (`fields`: prop -> config path, e.g. `cidr` -> `["vpcCidr"]`).
 */
export function addPropsProblems(
  problems: readonly PropsProblem[],
  at: readonly (string | number)[],
  add: AddProblem,
  fields: Readonly<Record<string, readonly (string | number)[]>> = {},
): void {
  for (const problem of problems) {
    const [prop, ...rest] = problem.path.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    add([...at, ...(Object.hasOwn(fields, prop) ? fields[prop] : [prop]), ...rest], problem.message);
  }
}
