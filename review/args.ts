import { ReviewInputError } from "./errors";

export type Format = "markdown" | "json";
export type FailOn = "destroy-stateful" | "errored";

export interface DiffCommand {
  readonly command: "diff";
  /** A synth output directory or a git ref (decided later, see git-base.ts). */
  readonly base: string;
  readonly head: string;
  readonly format: Format;
  readonly failOn: readonly FailOn[];
}

export interface PlanCommand {
  readonly command: "plan";
  readonly file: string;
  readonly format: Format;
  readonly failOn: readonly FailOn[];
  /** Treat the plan as a protected environment's for the guardrails (Terraform's JSON does not carry `prevent_destroy`). */
  readonly protected: boolean;
}

export interface HelpCommand {
  readonly command: "help";
}

export type Command = DiffCommand | PlanCommand | HelpCommand;

export const USAGE = `Usage: npm run review -- <subcommand> [options]

  diff --base <cdktf.out dir | git ref> [--head <cdktf.out dir>] [--format markdown|json] [--fail-on destroy-stateful]
      Compares two synth outputs stack by stack, offline. --head defaults to cdktf.out.
      A git ref as --base is synthesized in a temporary worktree with the current node_modules.

  plan <plan.json> [--format markdown|json] [--fail-on destroy-stateful,errored] [--protected]
      Summarizes \`terraform show -json <planfile>\` (format versions 0.x and 1.x; UTF-8 or UTF-16).
      --fail-on errored: exit 3 when planning failed (Terraform will not apply the plan).
      --protected runs the guardrails as for a protected environment.

Exit codes: 0 success, 2 bad input, 3 a --fail-on gate tripped.`;

const FORMATS: readonly Format[] = ["markdown", "json"];
const FAIL_ON: readonly FailOn[] = ["destroy-stateful", "errored"];

function usageError(message: string): ReviewInputError {
  return new ReviewInputError(`${message}\n\n${USAGE}`);
}

/** `--name value` and `--name=value` options, and positionals, in order. */
function split(argv: readonly string[], valued: ReadonlySet<string>, flags: ReadonlySet<string>) {
  const options = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (flags.has(name)) {
      if (eq >= 0) throw usageError(`--${name} takes no value`);
      options.set(name, [...(options.get(name) ?? []), "true"]);
      continue;
    }
    if (!valued.has(name)) throw usageError(`unknown option --${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "") throw usageError(`--${name} needs a value`);
    options.set(name, [...(options.get(name) ?? []), value]);
  }
  return { options, positionals };
}

function single(options: Map<string, string[]>, name: string): string | undefined {
  const values = options.get(name);
  if (values && values.length > 1) throw usageError(`--${name} is given ${values.length} times`);
  return values?.[0];
}

function format(options: Map<string, string[]>): Format {
  const value = single(options, "format") ?? "markdown";
  if (!FORMATS.includes(value as Format)) throw usageError(`--format ${value}: allowed: ${FORMATS.join(", ")}`);
  return value as Format;
}

function failOn(options: Map<string, string[]>): FailOn[] {
  const values = (options.get("fail-on") ?? []).flatMap((v) => v.split(",")).map((v) => v.trim());
  for (const value of values) {
    if (!FAIL_ON.includes(value as FailOn)) throw usageError(`--fail-on ${value}: allowed: ${FAIL_ON.join(", ")}`);
  }
  return [...new Set(values as FailOn[])];
}

/** Parses the arguments after `npm run review --`. Throws ReviewInputError (exit 2) with the usage. */
export function parseArgs(argv: readonly string[]): Command {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined) throw usageError("no subcommand given");
  if (subcommand === "help" || subcommand === "--help" || subcommand === "-h") return { command: "help" };
  if (subcommand === "diff") {
    const { options, positionals } = split(rest, new Set(["base", "head", "format", "fail-on"]), new Set());
    if (positionals.length > 0) throw usageError(`diff takes no positional argument; got "${positionals[0]}"`);
    const base = single(options, "base");
    if (base === undefined) throw usageError("diff needs --base <cdktf.out dir | git ref>");
    const gates = failOn(options);
    if (gates.includes("errored")) throw usageError("--fail-on errored applies to review plan; two synth outputs have no plan to fail");
    return { command: "diff", base, head: single(options, "head") ?? "cdktf.out", format: format(options), failOn: gates };
  }
  if (subcommand === "plan") {
    const { options, positionals } = split(rest, new Set(["format", "fail-on"]), new Set(["protected"]));
    if (positionals.length !== 1) throw usageError(`plan needs exactly one plan JSON file; got ${positionals.length}`);
    return { command: "plan", file: positionals[0], format: format(options), failOn: failOn(options), protected: options.has("protected") };
  }
  throw usageError(`unknown subcommand "${subcommand}"; allowed: diff, plan`);
}
