/**
 * `npm run promote -- <endpoint> <version> --to <env> --evidence <describe.json> [--current <describe.json>]
 *  [--registry <env>] [--body <file>] [--dry-run]`, and `--print-arns` (what to fetch the evidence of).
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";
import { EnvironmentConfigError } from "../environments/errors";
import { environmentInputs } from "../environments/inputs";
import { parseEnvironments } from "../environments/schema";
import { runAsMain } from "../review/run-as-main";
import { PROMOTE_EXIT, PromotionError } from "./errors";
import { readEvidence } from "./evidence";
import { pullRequestBody } from "./pr-body";
import { PromotionRefused, type PromotionRequest, promote, promotionTarget } from "./promotion";

export const PROMOTE_USAGE = `Usage: npm run promote -- <endpoint> <version> --to <env> --evidence <file> [options]

  Sets the model package version <endpoint> serves in environments/<env>.ts, after checking the evidence:
  the version is Approved, its metrics meet the endpoint's promotion.minimumMetrics (and, with
  promotion.mustBeatCurrent, the served version's), and the schema accepts every environment with the change.

  --evidence <file>   aws sagemaker describe-model-package output of the version
  --current <file>    the same of the version served now (metrics compared in the pull request)
  --registry <env>    the environment whose registry holds the version (default: the served version's)
  --body <file>       write the pull request's body there (default: stdout)
  --dry-run           check and print, change no file
  --print-arns        print {"to": ..., "current": ...} (the ARNs to fetch evidence of) and stop

  Exit 0 promoted (or checked), 1 refused (the reasons are listed), 2 bad input.
`;

export async function main(argv: readonly string[], cwd = process.cwd()): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        to: { type: "string" },
        evidence: { type: "string" },
        current: { type: "string" },
        registry: { type: "string" },
        body: { type: "string" },
        "dry-run": { type: "boolean" },
        "print-arns": { type: "boolean" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    process.stderr.write(`promote: ${(error as Error).message}\n\n${PROMOTE_USAGE}`);
    return PROMOTE_EXIT.badInput;
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(PROMOTE_USAGE);
    return PROMOTE_EXIT.ok;
  }
  try {
    const [endpoint, versionText] = positionals;
    if (positionals.length !== 2 || values.to === undefined) throw new PromotionError(`give <endpoint> <version> and --to <env>\n\n${PROMOTE_USAGE}`);
    if (!/^[1-9]\d*$/.test(versionText)) throw new PromotionError(`version "${versionText}": a model package version is a whole number from 1`);
    const request: PromotionRequest = { endpoint, version: Number(versionText), to: values.to, registry: values.registry };
    if (values["print-arns"]) {
      const target = promotionTarget(request, parseEnvironments(environmentInputs));
      process.stdout.write(`${JSON.stringify({ to: target.toArn, current: target.fromArn })}\n`);
      return PROMOTE_EXIT.ok;
    }
    if (values.evidence === undefined) throw new PromotionError("--evidence <file> is required: aws sagemaker describe-model-package output of the version (get its ARN with --print-arns)");
    const file = path.join(cwd, "environments", `${values.to}.ts`);
    if (!fs.existsSync(file)) throw new PromotionError(`${file} does not exist: promote edits environments/<env>.ts, run it from the repository's root`);
    const promotion = promote(
      request,
      environmentInputs,
      { name: path.relative(cwd, file), text: fs.readFileSync(file, "utf8") },
      readEvidence(values.evidence),
      values.current === undefined ? undefined : readEvidence(values.current),
    );
    const body = pullRequestBody(promotion);
    if (!values["dry-run"]) fs.writeFileSync(file, promotion.text);
    if (values.body !== undefined) fs.writeFileSync(values.body, body);
    else process.stdout.write(body);
    process.stderr.write(`${values["dry-run"] ? "Would promote" : "Promoted"} ${endpoint} in ${values.to}: ${promotion.fromArn} -> ${promotion.toArn}${values["dry-run"] ? "" : ` (${path.relative(cwd, file)})`}\n`);
    return PROMOTE_EXIT.ok;
  } catch (error) {
    if (error instanceof PromotionRefused) {
      process.stderr.write(`promote: refused:\n${error.reasons.map((r) => `  - ${r}`).join("\n")}\nNothing was changed.\n`);
      return PROMOTE_EXIT.refused;
    }
    if (error instanceof PromotionError || error instanceof EnvironmentConfigError) {
      process.stderr.write(`promote: ${error.message}\nNothing was changed.\n`);
      return PROMOTE_EXIT.badInput;
    }
    throw error;
  }
}

if (require.main === module) runAsMain("promote", () => main(process.argv.slice(2)));
