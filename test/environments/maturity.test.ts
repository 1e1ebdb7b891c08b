import * as fs from "fs";
import * as path from "path";
import { dev } from "../../environments/dev";
import { MATURITY_LEVELS, endpointMaturity, environmentMaturity, maturityMarkdown } from "../../environments/maturity";
import { prod } from "../../environments/prod";
import { parseEnvironment } from "../../environments/schema";
import { maturityChanges } from "../../review/maturity";
import { mutated, problemLines } from "../support/config-errors";

/** prod with its first endpoint changed, parsed without a maturity minimum (the level is what is under test). */
const levelOf = (edit: (endpoint: any, c: any) => void) => {
  const config = parseEnvironment(mutated(prod, (c) => (edit(c.serving.endpoints[0], c), delete c.maturity)));
  return endpointMaturity(config.serving.endpoints[0], config).level;
};

describe("MLOps maturity levels", () => {
  it("are 0-4, each adding checkable criteria to the one below", () => {
    expect(MATURITY_LEVELS.map((l) => l.level)).toEqual([0, 1, 2, 3, 4]);
    expect(MATURITY_LEVELS.slice(1).every((l) => l.criteria.length > 0)).toBe(true);
  });

  it("climb one criterion at a time: every edit that removes a criterion drops the endpoint below that criterion's level", () => {
    expect(levelOf(() => undefined)).toBe(4);
    expect(levelOf((e) => (e.promotion.mustBeatCurrent = false))).toBe(3);
    expect(levelOf((e) => (e.drift.retraining = { externalPipelineArn: `arn:aws:sagemaker:eu-west-1:${prod.account.id}:pipeline/elsewhere` }))).toBe(2);
    expect(levelOf((e) => delete e.promotion)).toBe(1);
    expect(levelOf((e) => (e.rollout = { type: "allAtOnce", waitSeconds: 0 }))).toBe(1);
    // Without the contract, nothing is declared to retrain from either.
    expect(levelOf((e, c) => (delete c.data.modelRegistry.modelPackageGroups.find((g: { name: string }) => g.name === "churn").featureGroups, delete e.drift.retraining))).toBe(0);
  });

  it("fail synthesis below the environment's minimum, naming the endpoint, its level and what the next level needs", () => {
    expect(problemLines(mutated(prod, (c) => (c.maturity = { minimumLevel: 4 }, (c.serving.endpoints[0].promotion.mustBeatCurrent = false))))).toEqual([
      "prod: maturity.minimumLevel: is 4; endpoint churn is at level 3 (monitoring with automatic retraining). To reach level 4 it needs: a new version must beat the one served to be promoted (promotion.mustBeatCurrent)",
    ]);
    expect(problemLines(mutated(prod, (c) => (c.maturity = { minimumLevel: 5 })))).toEqual(["prod: maturity.minimumLevel: is 5; must be 0-4"]);
  });

  it("do not judge an endpoint that waits for its first version", () => {
    const awaiting = parseEnvironment(mutated(prod, (c) => delete c.serving.endpoints[0].model));
    expect(environmentMaturity(awaiting)).toMatchObject({ minimumLevel: prod.maturity!.minimumLevel, endpoints: [{ level: 0 }] });
  });

  it("are reported per environment, with the criteria of each level, and the review says which level a change moves", () => {
    const report = [environmentMaturity(parseEnvironment(dev)), environmentMaturity(parseEnvironment(prod))];
    const markdown = maturityMarkdown(report);
    for (const level of MATURITY_LEVELS) expect(markdown).toContain(`${level.level}. **${level.name}**`);
    const rows = report.flatMap((env) => env.endpoints.map((e) => ({ environment: env.environment, ...e, ...(env.minimumLevel !== undefined ? { minimumLevel: env.minimumLevel } : {}) })));
    const before = rows.map((r) => (r.environment === "prod" ? { ...r, level: 2 } : r));
    expect(maturityChanges(before, rows).map((r) => [r.environment, r.baseLevel, r.level])).toEqual(rows.map((r) => [r.environment, r.environment === "prod" ? 2 : r.level, r.level]));
  });

  it("are the README's: one row per level, by number and name", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    for (const level of MATURITY_LEVELS) expect(readme).toContain(`| ${level.level} | ${level.name} |`);
  });
});
