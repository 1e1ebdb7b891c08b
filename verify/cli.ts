import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ReviewInputError } from "../review/errors";
import { isObject } from "../review/json-file";
import { SynthStack, loadSynthOutput } from "../review/synth-output";
import { StackVerdict, checkStack } from "./check-stack";
import { VerifyError } from "./errors";
import { attributesMissingIn, compareVersions } from "./provider-compat";
import { mirrorProviders, providerAddress, terraform, writeMirrorConfig } from "./terraform";
import { runAsMain } from "../review/run-as-main";

export const USAGE = `Usage: npm run verify -- [--mirror <dir>] [--synth-dir cdktf.out] [--stacks <glob>] [--jobs N] [--workdir <dir>] [--require-all]

  Validates and plans every synthesized stack with the real Terraform CLI and providers, offline
  (fake credentials, -refresh=false, local backend, stub states for the outputs a stack reads of
  another), then reads each plan with review plan: it must create exactly the synthesized resources,
  and its guardrail findings must equal the synth-time ones (cdktf.out/guardrails.json).

  --mirror <dir>    a provider filesystem mirror (the folder above registry.terraform.io); default
                    $MLOPS_PROVIDER_MIRROR, else the providers come from the registry.
                    An AWS provider older than the pin drops only the listed newer attributes.
                    Stacks whose providers the mirror lacks are reported as not validated.
  --stacks <glob>   only these stack ids (e.g. 'prod-*'); default every stack
  --jobs N          stacks checked at once; default the number of CPUs
  --workdir <dir>   keep Terraform's working folders (plans, stub states) there; default a temporary folder, removed
  --require-all     fail when any stack could not be validated

Exit codes: 0 every validated stack passed, 1 a stack failed, 2 bad input or options.`;

interface Options {
  readonly synthDir: string;
  readonly mirror?: string;
  readonly stacks?: RegExp;
  readonly jobs: number;
  readonly workdir?: string;
  readonly requireAll: boolean;
}

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options | "help" {
  const values = new Map<string, string>();
  let requireAll = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--require-all") {
      requireAll = true;
      continue;
    }
    const [name, inline] = arg.startsWith("--") ? [arg.slice(2).split("=")[0], arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : undefined] : [undefined, undefined];
    if (!name || !["mirror", "synth-dir", "stacks", "jobs", "workdir"].includes(name)) throw new VerifyError(`unknown argument "${arg}"\n\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === "") throw new VerifyError(`--${name} needs a value\n\n${USAGE}`);
    values.set(name, value);
  }
  const jobs = Number(values.get("jobs") ?? cpus().length);
  if (!Number.isInteger(jobs) || jobs < 1) throw new VerifyError(`--jobs ${values.get("jobs")}: expected a whole number of at least 1`);
  const glob = values.get("stacks");
  const mirror = values.get("mirror") ?? (env.MLOPS_PROVIDER_MIRROR || undefined);
  return {
    synthDir: resolve(values.get("synth-dir") ?? "cdktf.out"),
    ...(mirror ? { mirror: resolve(mirror) } : {}),
    ...(glob ? { stacks: new RegExp(`^${glob.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`) } : {}),
    jobs,
    ...(values.has("workdir") ? { workdir: resolve(values.get("workdir")!) } : {}),
    requireAll,
  };
}

/** hashicorp/aws <version> as `required_providers` pins it (cdktf pins one exact version). */
function pinnedVersion(stacks: readonly SynthStack[], provider: string): string | undefined {
  for (const stack of stacks) {
    const required = isObject(stack.json.terraform) && isObject(stack.json.terraform.required_providers) ? stack.json.terraform.required_providers : {};
    for (const value of Object.values(required)) {
      if (isObject(value) && typeof value.source === "string" && providerAddress(value.source) === provider && typeof value.version === "string") return value.version.replace(/^[=\s]+/, "");
    }
  }
  return undefined;
}

function providersOf(stack: SynthStack): string[] {
  const required = isObject(stack.json.terraform) && isObject(stack.json.terraform.required_providers) ? stack.json.terraform.required_providers : {};
  return Object.entries(required).map(([name, value]) => providerAddress(isObject(value) && typeof value.source === "string" ? value.source : name));
}

async function pool<T, R>(items: readonly T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}

function verdictLine(v: StackVerdict): string {
  const dropped = v.dropped.length > 0 ? `, ${v.dropped.length} newer attribute value(s) dropped` : "";
  if (!v.passed) return `✗ ${v.stack} (${v.seconds.toFixed(1)} s)\n${v.problems.map((p) => `    ${p.replace(/\n/g, "\n    ")}`).join("\n")}`;
  return `✓ ${v.stack}: valid; plan creates ${v.created} of ${v.synthesized} synthesized resources; guardrails agree (${v.findings} finding(s))${dropped} (${v.seconds.toFixed(1)} s)`;
}

/** `npm run verify`: returns the exit code; writes progress and the report to the given streams. */
export async function main(argv: readonly string[], io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } } = process, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let cleanup: (() => void) | undefined;
  try {
    const options = parseOptions(argv, env);
    if (options === "help") {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const output = loadSynthOutput(options.synthDir);
    if (!output.guardrails) throw new VerifyError(`${options.synthDir}: has no guardrails.json to compare plan-time findings with; run npm run synth`);
    const selected = output.stacks.filter((s) => !options.stacks || options.stacks.test(s.id));
    if (selected.length === 0) throw new VerifyError(`no synthesized stack matches --stacks`);

    const workdir = options.workdir ?? mkdtempSync(join(tmpdir(), "mlops-verify-"));
    if (options.workdir) mkdirSync(workdir, { recursive: true });
    else cleanup = () => rmSync(workdir, { recursive: true, force: true });
    const tfEnv: NodeJS.ProcessEnv = { ...env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
    const version = await terraform(["version", "-json"], workdir, tfEnv);
    const pinned = pinnedVersion(output.stacks, "hashicorp/aws");
    let awsVersion = pinned;
    let available: Map<string, string[]> | undefined;
    if (options.mirror) {
      available = mirrorProviders(options.mirror);
      const configFile = join(workdir, "terraformrc");
      writeMirrorConfig(configFile, options.mirror);
      tfEnv.TF_CLI_CONFIG_FILE = configFile;
      const awsVersions = (available.get("hashicorp/aws") ?? []).sort(compareVersions);
      awsVersion = pinned && awsVersions.includes(pinned) ? pinned : awsVersions.at(-1);
    } else if (!tfEnv.TF_PLUGIN_CACHE_DIR) {
      // From the registry: download each provider once for all stacks.
      tfEnv.TF_PLUGIN_CACHE_DIR = join(workdir, "plugin-cache");
      mkdirSync(tfEnv.TF_PLUGIN_CACHE_DIR, { recursive: true });
    }
    const terraformVersion = (() => {
      try {
        return (JSON.parse(version.stdout) as { terraform_version?: string }).terraform_version;
      } catch {
        return undefined;
      }
    })();
    io.stdout.write(`Terraform ${terraformVersion ?? "(unknown version)"}; providers from ${options.mirror ? `the mirror ${options.mirror}` : "the registry"}\n`);

    const older = pinned && awsVersion && awsVersion !== pinned && compareVersions(awsVersion, pinned) < 0;
    const drop = older && awsVersion ? attributesMissingIn(awsVersion) : [];
    if (older) {
      io.stdout.write(
        `hashicorp/aws ${awsVersion} is older than the pinned ${pinned}: it is used for this check, without the attributes it lacks:\n` +
          drop.map((a) => `  ${a.resourceType}.${a.attribute} (added in ${a.addedIn})\n`).join("") +
          (drop.length === 0 ? "  (none of the listed ones)\n" : ""),
      );
    } else if (options.mirror && pinned && awsVersion !== pinned) {
      throw new VerifyError(`provider mirror ${options.mirror}: holds no hashicorp/aws ${pinned ?? ""} nor an older version (has: ${(available?.get("hashicorp/aws") ?? []).join(", ") || "none"})`);
    }

    const missingProviders = (stack: SynthStack) => (available ? providersOf(stack).filter((p) => !available!.has(p)) : []);
    const notValidated = selected.filter((s) => missingProviders(s).length > 0);
    const checked = selected.filter((s) => missingProviders(s).length === 0);
    const verdicts = await pool(checked, options.jobs, async (stack) => {
      const report = output.guardrails!.get(stack.id);
      const verdict = await checkStack({
        stack,
        stacks: output.stacks,
        synthFindings: report?.findings ?? new Set(),
        protected: report?.protected ?? false,
        workdir,
        stackDir: join(options.synthDir, "stacks", stack.id),
        env: tfEnv,
        offline: { ...(older ? { awsProviderVersion: awsVersion } : {}), drop },
      });
      io.stdout.write(`${verdictLine(verdict)}\n`);
      return verdict;
    });

    const failed = verdicts.filter((v) => !v.passed);
    const dropped = verdicts.reduce((n, v) => n + v.dropped.length, 0);
    io.stdout.write("\n");
    if (notValidated.length > 0) {
      const missing = [...new Set(notValidated.flatMap(missingProviders))].join(", ");
      io.stdout.write(`not validated: ${notValidated.length} stack(s) need ${missing}, which the mirror does not hold: ${notValidated.map((s) => s.id).join(", ")}\n`);
    }
    io.stdout.write(
      `${failed.length === 0 ? "✓" : "✗"} ${verdicts.length - failed.length} of ${verdicts.length} stack(s) validated and planned with the real provider${dropped > 0 ? ` (${dropped} newer attribute value(s) dropped for hashicorp/aws ${awsVersion})` : ""}; ${failed.length} failed; ${notValidated.length} not validated\n`,
    );
    if (failed.length > 0) return 1;
    if (options.requireAll && notValidated.length > 0) {
      io.stderr.write(`verify: --require-all: ${notValidated.length} stack(s) not validated\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (!(error instanceof VerifyError || error instanceof ReviewInputError)) throw error;
    io.stderr.write(`verify: ${error.message}\n`);
    return 2;
  } finally {
    cleanup?.();
  }
}

if (require.main === module) runAsMain("verify", () => main(process.argv.slice(2)));
