import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { Construct } from "constructs";
import { AssetType, ITerraformDependable, TerraformAsset, TerraformStack } from "cdktf";
import { Release } from "@cdktf/provider-helm/lib/release";
import { EXACT_SEMVER } from "../versions";
import { ConstructPropsError } from "../../core/errors";

/** Where a chart comes from and which version of it: never a range, never the newest. */
export interface PinnedChart {
  /** `oci://…` or `https://…`. */
  readonly repository: string;
  readonly chart: string;
  /** An exact semantic version, e.g. `1.14.1`. */
  readonly version: string;
}

export interface PinnedReleaseProps {
  /** The release's name, also the prefix of what the chart names. */
  readonly name: string;
  readonly namespace: string;
  readonly chart: PinnedChart;
  /** The chart's values, typed by the caller; passed as one JSON document (JSON is YAML). */
  readonly values: object;
  /**
   * Leave the chart's `crds/` folder out: the CRDs come from a release of their own, which Helm upgrades
   * (Helm never upgrades a chart's `crds/`).
   * @default false
   */
  readonly skipCrds?: boolean;
  /**
   * Releases (or other resources) that must be in place first.
   * @default - nothing
   */
  readonly dependsOn?: readonly ITerraformDependable[];
  /**
   * Seconds Helm waits for the release's resources to be ready.
   * @default 600
   */
  readonly timeoutSeconds?: number;
}

const REPOSITORY = /^(oci|https):\/\/[^\s]+$/;

/**
 * A Helm release of a chart pinned by repository and exact version, with typed values. Helm waits until its
 * resources are ready (so what depends on it, e.g. objects of its CRDs or its webhooks, comes after), a failed
 * install or upgrade rolls back, and the history is capped.
 */
export class PinnedRelease extends Construct {
  readonly release: Release;
  readonly releaseName: string;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: PinnedReleaseProps) {
    super(scope, id);
    const { chart } = props;
    if (!EXACT_SEMVER.test(chart.version)) {
      throw new ConstructPropsError(`${this.node.path}: chart ${chart.chart} version "${chart.version}" must be an exact version such as 1.2.3 (no range, no v, never latest)`);
    }
    if (!REPOSITORY.test(chart.repository)) {
      throw new ConstructPropsError(`${this.node.path}: chart ${chart.chart} repository "${chart.repository}" must be an oci:// or https:// address`);
    }
    this.releaseName = props.name;
    this.namespace = props.namespace;
    this.release = new Release(this, "Release", {
      ...releaseDefaults(props),
      repository: chart.repository,
      chart: chart.chart,
      version: chart.version,
      ...(props.skipCrds ? { skipCrds: true } : {}),
    });
  }
}

const releaseDefaults = (props: { name: string; namespace: string; values: object; dependsOn?: readonly ITerraformDependable[]; timeoutSeconds?: number }) => ({
  name: props.name,
  namespace: props.namespace,
  values: [JSON.stringify(props.values)],
  wait: true,
  atomic: true,
  cleanupOnFail: true,
  maxHistory: 10,
  timeout: props.timeoutSeconds ?? 600,
  ...(props.dependsOn && props.dependsOn.length > 0 ? { dependsOn: [...props.dependsOn] } : {}),
});

/** Metadata of a Kubernetes object as the blueprint writes it. */
export interface ObjectMeta {
  readonly name: string;
  /** Namespaced kinds only. */
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What every Kubernetes object has; kinds add their fields (most a spec, see {@link KubernetesObject}). */
export interface ClusterObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
}

/** A Kubernetes object of a custom kind (NodePool, ClusterQueue, …), typed by its spec. */
export interface KubernetesObject<Kind extends string = string, Spec = unknown> extends ClusterObject {
  readonly kind: Kind;
  readonly spec: Spec;
}

/** The local chart that renders `.Values.objects`, one YAML document each (`charts/cluster-objects`). */
export const CLUSTER_OBJECTS_CHART = { name: "cluster-objects", version: "1.0.0", directory: join("charts", "cluster-objects") } as const;

let chartDirectory: string | undefined;
/** The chart's folder in the repository: found upwards from here, so it works from the sources and from `dist/`. */
export function clusterObjectsChartDirectory(): string {
  if (chartDirectory) return chartDirectory;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, CLUSTER_OBJECTS_CHART.directory);
    if (existsSync(join(candidate, "Chart.yaml"))) return (chartDirectory = candidate);
    if (dirname(dir) === dir) throw new Error(`${CLUSTER_OBJECTS_CHART.directory}/Chart.yaml not found above ${__dirname}`);
  }
}

const ASSET_ID = "ClusterObjectsChart";

/**
 * The cluster-objects chart as an asset of the stack (copied to `assets/` beside its Terraform JSON at
 * synthesis), one per stack. Its path is relative to the stack's folder, where Terraform runs.
 */
export function clusterObjectsChart(scope: Construct): TerraformAsset {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(ASSET_ID);
  if (existing) return existing as TerraformAsset;
  // The chart's hash (its folder name under assets/) is computed once per process: it only changes with the repository.
  const asset = new TerraformAsset(stack, ASSET_ID, { path: clusterObjectsChartDirectory(), type: AssetType.DIRECTORY, ...(chartHash ? { assetHash: chartHash } : {}) });
  chartHash = asset.assetHash;
  return asset;
}
let chartHash: string | undefined;

export interface ClusterObjectsProps {
  /** The release's name (`gpu-capacity`, `kueue-queues`). */
  readonly name: string;
  /** The release's namespace (where Helm keeps its record); namespaced objects name their own. */
  readonly namespace: string;
  readonly objects: readonly ClusterObject[];
  /**
   * Releases that install the objects' CRDs and webhooks: Helm waited for them, so they are ready.
   * @default - nothing
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * Objects of custom kinds through the repository's `cluster-objects` chart. Unlike `kubernetes_manifest`, a
 * Helm release plans without the cluster and without its CRDs installed, so the first deploy applies the
 * CRD release and these objects in one run, and `npm run verify` can plan it offline.
 */
export class ClusterObjects extends Construct {
  readonly release: Release;
  readonly objects: readonly ClusterObject[];

  constructor(scope: Construct, id: string, props: ClusterObjectsProps) {
    super(scope, id);
    const seen = new Set<string>();
    for (const object of props.objects) {
      const key = `${object.apiVersion}/${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
      if (seen.has(key)) throw new ConstructPropsError(`${this.node.path}: ${object.kind} "${object.metadata.name}" is declared twice`);
      seen.add(key);
    }
    this.objects = props.objects;
    const chart = clusterObjectsChart(this);
    this.release = new Release(this, "Release", {
      ...releaseDefaults({ ...props, values: { objects: props.objects } }),
      chart: `./${chart.path}`,
      // A local chart plans at its Chart.yaml version; naming it pins it like the others.
      version: CLUSTER_OBJECTS_CHART.version,
    });
  }
}
