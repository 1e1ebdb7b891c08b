import { versionsTable } from "../../review/versions";
import { SynthOutput } from "../../review/synth-output";

/** A synth output of one workloads stack per environment, each with these Helm releases. */
function output(releases: Record<string, Record<string, Record<string, unknown>>>): SynthOutput {
  return {
    stacks: Object.entries(releases).map(([environment, helm_release]) => ({
      id: `${environment}-workloads`,
      environment,
      json: { resource: { helm_release } },
      dependencies: [],
    })),
  };
}

const karpenter = (version: string) => ({ name: "karpenter", chart: "karpenter", repository: "oci://public.ecr.aws/karpenter", version });
const dcgm = { name: "gpu-metrics", chart: "dcgm-exporter", repository: "https://nvidia.github.io/dcgm-exporter/helm-charts", version: "4.8.2" };
const local = { name: "gpu-capacity", chart: "./assets/ClusterObjectsChart/0A1B", version: "1.0.0" };

describe("the versions table", () => {
  it("has a row per Helm chart from a repository: moved in dev by this change, so dev now differs from nothing before it and staging from dev", () => {
    const base = output({ dev: { K: karpenter("1.14.1"), L: local }, staging: { K: karpenter("1.14.1"), D: dcgm } });
    const head = output({ dev: { K: karpenter("1.15.0"), L: local }, staging: { K: karpenter("1.14.1"), D: dcgm } });
    const { rows } = versionsTable(base, head, ["dev", "staging"]);
    // The repository's own chart is versioned with the code: no row. A release named otherwise says its name.
    expect(rows.map((r) => `${r.kind} ${r.item}`)).toEqual(["chart Helm chart dcgm-exporter (release gpu-metrics)", "chart Helm chart karpenter"]);
    expect(rows[1].cells).toEqual({
      dev: { value: "1.15.0", base: "1.14.1", changed: true, differs: false },
      staging: { value: "1.14.1", base: "1.14.1", changed: false, differs: true },
    });
  });
});
