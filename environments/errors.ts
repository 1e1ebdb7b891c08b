import type { z } from "zod";

/** One thing wrong with one environment's config. */
export interface Problem {
  readonly environment: string;
  /** Dotted path of the field, e.g. `network.availabilityZones.1`. */
  readonly path: string;
  readonly message: string;
}

/** Thrown when environment configs are invalid. The message lists every problem as `<env>: <path>: <message>`. */
export class EnvironmentConfigError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(
      `Invalid environment configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map(formatProblem).join("\n"),
    );
    this.name = "EnvironmentConfigError";
  }
}

/** Control characters of echoed input shown as escapes: a newline in a name must not forge another problem line. */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1).replace(/^\\u00/, "\\x"));
}

export function formatProblem(problem: Problem): string {
  return escapeControls(`${problem.environment}: ${problem.path || "(root)"}: ${problem.message}`);
}

/** Lists the fields a config object may have at `path`, for suggestions on unknown keys. */
export type KnownKeys = (path: readonly PropertyKey[]) => readonly string[];

export function problemsFromZod(environment: string, issues: readonly z.core.$ZodIssue[], knownKeys: KnownKeys): Problem[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      const allowed = knownKeys(issue.path);
      return issue.keys.map((key) => ({
        environment,
        path: joinPath([...issue.path, key]),
        message: unknownKeyMessage(key, allowed),
      }));
    }
    return [{ environment, path: joinPath(issue.path), message: describe(issue) }];
  });
}

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

/** Enums longer than this are summarized by the schema's own message instead of listing every value. */
const MAX_LISTED_VALUES = 8;

const EXPECTED_TYPE: Record<string, string> = {
  int: "a whole number",
  number: "a number",
  string: "a string",
  object: "an object",
  record: "an object",
  array: "an array",
  boolean: "true or false",
};

function describe(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  const given = input === undefined ? "is missing" : `is ${show(input)}`;
  if (issue.code === "invalid_type" && typeof input === "number" && !Number.isFinite(input)) return `${given}; expected a finite number`;
  if (issue.code === "invalid_type") {
    const found = input === undefined || input === null ? given : `${given}, ${Array.isArray(input) ? "an array" : `a ${typeof input}`}`;
    return `${found}; expected ${EXPECTED_TYPE[issue.expected] ?? issue.expected}`;
  }
  if (issue.code === "invalid_value" && issue.values.length <= MAX_LISTED_VALUES) {
    return `${given}; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  // Objects and arrays are not repeated back (rules about them name what they found themselves).
  return typeof input === "object" && input !== null ? issue.message : `${given}; ${issue.message}`;
}

function show(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  // JSON has no BigInt (JSON.stringify throws), symbols and functions read as nothing.
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol" || typeof value === "function") return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  return JSON.stringify(value);
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const closest = allowed
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const hint = closest && closest.distance <= Math.max(2, Math.floor(key.length / 3)) ? ` Did you mean "${closest.candidate}"?` : "";
  return `unknown field "${key}"; allowed: ${allowed.join(", ")}.${hint}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
