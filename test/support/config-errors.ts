import { EnvironmentConfigError, formatProblem } from "../../environments/errors";
import { environmentInputs } from "../../environments/inputs";
import { parseEnvironment, parseEnvironments, type EnvironmentInput } from "../../environments/schema";

/** A deep copy of a config that tests may break in any way, wrong types included. */
export type Draft = any;

/**
 * A deep copy of `base` with one change applied by `edit`. A JSON copy: configs are plain data, and a copy shares no
 * object between its parts (an environment may reuse one feature list in two groups; a change to one is not the other's).
 */
export function mutated(base: EnvironmentInput | object, edit: (config: Draft) => void): Draft {
  const config: Draft = JSON.parse(JSON.stringify(base));
  edit(config);
  return config;
}

/** Every shipped environment, the one named `name` changed by `edit`: rules between environments see the whole set. */
export function inputsWith(name: string, edit: (config: Draft) => void): unknown[] {
  return environmentInputs.map((input) => ((input as { name: string }).name === name ? mutated(input as object, edit) : input));
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
