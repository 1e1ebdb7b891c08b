import { EnvironmentConfigError, formatProblem } from "../../environments/errors";
import { parseEnvironment, parseEnvironments, type EnvironmentInput } from "../../environments/schema";

/** A deep copy of a config that tests may break in any way, wrong types included. */
export type Draft = any;

/** A deep copy of `base` with one change applied by `edit`. */
export function mutated(base: EnvironmentInput, edit: (config: Draft) => void): Draft {
  const config: Draft = structuredClone(base);
  edit(config);
  return config;
}

/** Runs `parse`, expects an EnvironmentConfigError and checks its message matches its problems. */
export function configError(parse: () => unknown): EnvironmentConfigError {
  let caught: unknown;
  try {
    parse();
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof EnvironmentConfigError)) {
    throw new Error(`expected an EnvironmentConfigError, got ${caught === undefined ? "a successful parse" : String(caught)}`);
  }
  const [header, ...lines] = caught.message.split("\n");
  const count = caught.problems.length;
  expect(header).toBe(`Invalid environment configuration (${count} problem${count === 1 ? "" : "s"}):`);
  expect(lines).toEqual(caught.problems.map(formatProblem));
  return caught;
}

/** The problem lines (`<env>: <path>: <message>`) that parsing `input` produces. */
export function problemLines(input: unknown): string[] {
  return configError(() => parseEnvironment(input)).problems.map(formatProblem);
}

/** The problem lines that parsing `inputs` together produces. */
export function problemLinesOfAll(inputs: readonly unknown[]): string[] {
  return configError(() => parseEnvironments(inputs)).problems.map(formatProblem);
}
