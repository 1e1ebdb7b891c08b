import * as os from "os";
import { environmentInputs } from "../../environments/inputs";
import { reviewDiff } from "../../review/diff-report";
import { renderDiffMarkdown } from "../../review/markdown-diff";
import { loadSynthOutput } from "../../review/synth-output";
import { inputsWith } from "../support/config-errors";
import { shippedSynthDir } from "../support/shipped-synth";
import { removeTempDirs, synthesizeTo } from "./fixtures/synth-dirs";
import { review } from "./fixtures/run";

/**
 * The comment a reviewer sees for a realistic pull request, on the shipped environments: prod is promoted
 * to churn model version 8 (what staging serves), and someone changes a feature type of
 * customer-profile-v2 in place instead of making a v3, which would replace the feature group.
 */
const changed = inputsWith("prod", (c) => {
  const endpoint = c.serving.endpoints[0];
  endpoint.model.modelPackageArn = endpoint.model.modelPackageArn.replace(/\/\d+$/, "/8");
  const groups = c.data.featureStore.featureGroups;
  const v2 = groups.findIndex((g: { name: string; version: number }) => g.name === "customer-profile" && g.version === 2);
  groups[v2] = {
    ...groups[v2],
    features: groups[v2].features.map((f: { name: string; type: string }) => (f.name === "support_tickets_90d" ? { ...f, type: "Fractional" } : f)),
  };
});

const base = shippedSynthDir();
const head = synthesizeTo(changed);
afterAll(removeTempDirs);

describe("the pull request comment", () => {
  it("matches its snapshot: verdict, warnings, a table per environment, collapsed detail, versions, marker", async () => {
    const run = await review(["diff", "--base", base, "--head", head, "--format", "markdown"]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(os.tmpdir());
    expect(run.stdout).toMatchSnapshot();
  });

  it("is shaped for a comment: verdict first, warnings before the environments, marker last", async () => {
    const lines = (await review(["diff", "--base", base, "--head", head])).stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^⚠️ ${environmentInputs.length} environments, 2 stacks change: .*destroys 1 stateful resource`));
    expect(lines.indexOf("#### Warnings")).toBe(2);
    expect(lines[4]).toMatch(/^- 🛑 \*\*Replaces stateful resource\*\* prod-data: `aws_sagemaker_feature_group\.FeatureStore_customer-profile-v2_FeatureGroup_\w+` is replaced \(feature_definition\\\[5\\\]\.feature_type cannot change in place\)/);
    expect(lines).toContain("### dev: no change (6 stacks)");
    expect(lines).toContain("<summary>prod-serving: 1 to update, 2 to replace</summary>");
    expect(lines.at(-1)).toBe("<!-- mlops-blueprint-review -->");
  });

  it("shows the promotion in the versions table: changed in prod, now like staging", async () => {
    const run = await review(["diff", "--base", base, "--head", head, "--format", "json"]);
    const json = JSON.parse(run.stdout);
    const model = json.versions.rows.find((r: { kind: string }) => r.kind === "model");
    expect(model.item).toBe("Model served by mlops-{env}-churn");
    expect(model.cells.prod).toEqual({
      value: "arn:aws:sagemaker:eu-west-1:314159265358:model-package/churn/8",
      base: "arn:aws:sagemaker:eu-west-1:314159265358:model-package/churn/7",
      changed: true,
      differs: false,
    });
    const serving = json.stacks.find((s: { stack: string }) => s.stack === "prod-serving");
    expect(serving.changes.map((c: { action: string; type: string }) => `${c.action} ${c.type}`)).toEqual([
      "replace aws_sagemaker_endpoint_configuration",
      "replace aws_sagemaker_model",
      "update aws_sagemaker_endpoint",
    ]);
  });

  it("shortens its detail, never the verdict, warnings or marker, to fit GitHub's comment size", () => {
    const report = reviewDiff(loadSynthOutput(base), loadSynthOutput(head), { rules: [] });
    const full = renderDiffMarkdown(report);
    const short = renderDiffMarkdown(report, 3000);
    expect(short.length).toBeLessThan(full.length);
    expect(short.split("\n")[0]).toBe(full.split("\n")[0]);
    expect(short).toContain("#### Warnings");
    expect(short).toContain("Detail shortened to fit a comment");
    expect(short.trimEnd().endsWith("<!-- mlops-blueprint-review -->")).toBe(true);
  });
});
