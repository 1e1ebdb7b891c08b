import { ConstructPropsError, PropsProblem, throwPropsProblems } from "../core/errors";
/**
 * The managed collector's scrape configuration (Amazon Managed Service for Prometheus, "Scraper configuration"): pure
 * data, rendered to YAML for the `aws_prometheus_scraper`, so a change to what is scraped is a reviewed diff.
 */

/** A value YAML can hold: what the Prometheus, rule and Alertmanager configurations are made of. */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function scalar(value: string | number | boolean | null): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" && !Number.isFinite(value)) throw new ConstructPropsError(`toYaml: ${value} is not a number YAML can hold`);
  return String(value);
}

const isScalar = (value: YamlValue): value is string | number | boolean | null => value === null || typeof value !== "object";

/**
 * Block-style YAML of plain data. Every string is double-quoted with JSON's escapes (a JSON string is a valid YAML
 * double-quoted scalar), so no value is ever read as another type ("on", "1e3", "null") or breaks the layout.
 */
export function toYaml(value: YamlValue, indent = 0): string {
  const pad = " ".repeat(indent);
  if (isScalar(value)) return `${pad}${scalar(value)}\n`;
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]\n`;
    return value
      .map((item: YamlValue) => {
        if (isScalar(item) || (Array.isArray(item) ? item.length === 0 : Object.keys(item).length === 0)) return `${pad}- ${toYaml(item).trimStart()}`;
        // The item's first line goes after the dash; the rest keeps the item's indentation.
        const body = toYaml(item, indent + 2);
        return `${pad}- ${body.slice(indent + 2)}`;
      })
      .join("");
  }
  const entries = Object.entries(value as { readonly [key: string]: YamlValue });
  if (entries.length === 0) return `${pad}{}\n`;
  return entries
    .map(([key, item]) => {
      const name = PLAIN_KEY.test(key) ? key : JSON.stringify(key);
      if (isScalar(item) || (Array.isArray(item) ? item.length === 0 : Object.keys(item).length === 0)) return `${pad}${name}: ${toYaml(item).trimStart()}`;
      return `${pad}${name}:\n${toYaml(item, indent + 2)}`;
    })
    .join("");
}

/**
 * The credentials file a scrape job names to present the collector's own cluster identity as a bearer token (the
 * managed collector maps this path to its token, as AWS's example scrape of cAdvisor through the API server does).
 */
const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * The collector refuses a scrape interval under 30 seconds (AMP user guide, "Scraper configuration", limitations); over
 * 5 minutes, Prometheus marks series stale between scrapes and the alerts' windows see gaps.
 */
const SCRAPE_INTERVAL_SECONDS = { min: 30, max: 300 } as const;

/** What the collector refuses in a scrape interval, or the alerts could not work with, at its field. */
export function scrapeIntervalProblems(props: Pick<ScrapeConfigurationProps, "scrapeIntervalSeconds">): PropsProblem[] {
  const seconds = props.scrapeIntervalSeconds;
  if (Number.isInteger(seconds) && seconds >= SCRAPE_INTERVAL_SECONDS.min && seconds <= SCRAPE_INTERVAL_SECONDS.max) return [];
  return [{ path: "scrapeIntervalSeconds", message: `is ${seconds}; must be whole seconds ${SCRAPE_INTERVAL_SECONDS.min}-${SCRAPE_INTERVAL_SECONDS.max} (the managed collector scrapes at most every ${SCRAPE_INTERVAL_SECONDS.min} seconds)` }];
}

/** Scrape jobs, by the `job` label their series carry (dashboards and alerts may filter on it). */
export const SCRAPE_JOBS = { karpenter: "karpenter", dcgm: "dcgm-exporter", kueue: "kueue" } as const;

/**
 * Where each exporter is, as the workloads stack installs it: the Service's namespace, its `app.kubernetes.io/name`
 * label and the name of the port that serves metrics.
 */
export const SCRAPE_TARGETS = {
  /** The karpenter chart's Service in kube-system: port `http-metrics` (8080). */
  karpenter: { namespace: "kube-system", app: "karpenter", port: "http-metrics" },
  /** The dcgm-exporter chart's Service (ClusterIP): port `metrics` (9400). */
  dcgm: { namespace: "kube-system", app: "dcgm-exporter", port: "metrics" },
  /**
   * Kueue's metrics Service: port `https` (8443), TLS with a self-signed certificate, authorized by token. Its
   * visibility API Service has the same name label and port name, so the component tells them apart.
   */
  kueue: { namespace: "kueue-system", app: "kueue", port: "https", component: "metrics-service" },
} as const;

export interface ScrapeConfigurationProps {
  /** The cluster's name, an external label on every series (one workspace could hold several clusters). */
  readonly clusterName: string;
  /** How often every target is scraped; at least 30 seconds. */
  readonly scrapeIntervalSeconds: number;
}

interface Target {
  readonly namespace: string;
  readonly app: string;
  readonly port: string;
  /** The Service's `app.kubernetes.io/component` label, where the app has other Services with the same port name. */
  readonly component?: string;
}

/** Keeps the endpoints of one Service (by namespace, app label, port name and component) among everything the API lists. */
function keepService(target: Target): YamlValue[] {
  const labels = ["__meta_kubernetes_namespace", "__meta_kubernetes_service_label_app_kubernetes_io_name", "__meta_kubernetes_endpoint_port_name"];
  const values = [target.namespace, target.app, target.port];
  if (target.component !== undefined) {
    labels.push("__meta_kubernetes_service_label_app_kubernetes_io_component");
    values.push(target.component);
  }
  return [{ source_labels: labels, regex: values.join(";"), action: "keep" }];
}

/** The node a target runs on, and the namespace and pod of the exporter itself (not the workload's: see dcgm). */
const TARGET_LABELS: YamlValue[] = [
  { source_labels: ["__meta_kubernetes_endpoint_node_name"], target_label: "node" },
  { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
  { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
];

/** The scrape configuration as data (see `scrapeConfigurationYaml`). */
export function scrapeConfiguration(props: ScrapeConfigurationProps): { [key: string]: YamlValue } {
  throwPropsProblems("scrapeConfiguration", scrapeIntervalProblems(props));
  const interval = `${props.scrapeIntervalSeconds}s`;
  return {
    global: { scrape_interval: interval, external_labels: { cluster: props.clusterName } },
    scrape_configs: [
      {
        job_name: SCRAPE_JOBS.karpenter,
        kubernetes_sd_configs: [{ role: "endpoints", namespaces: { names: [SCRAPE_TARGETS.karpenter.namespace] } }],
        relabel_configs: [...keepService(SCRAPE_TARGETS.karpenter), ...TARGET_LABELS],
      },
      {
        // DCGM labels each GPU's series with the namespace and pod using it: honor_labels keeps those, not the exporter's.
        job_name: SCRAPE_JOBS.dcgm,
        honor_labels: true,
        kubernetes_sd_configs: [{ role: "endpoints", namespaces: { names: [SCRAPE_TARGETS.dcgm.namespace] } }],
        relabel_configs: [...keepService(SCRAPE_TARGETS.dcgm), { source_labels: ["__meta_kubernetes_endpoint_node_name"], target_label: "node" }],
      },
      {
        // Kueue serves metrics over TLS (a certificate of its own) only to callers whose token passes a TokenReview and
        // whose RBAC lets them get /metrics: the collector's user has that (ApsCollectorRbac). If the token is refused,
        // the MetricsTargetDown alert says so instead of the Kueue dashboards staying silently empty.
        job_name: SCRAPE_JOBS.kueue,
        scheme: "https",
        authorization: { type: "Bearer", credentials_file: SERVICE_ACCOUNT_TOKEN },
        tls_config: { insecure_skip_verify: true },
        kubernetes_sd_configs: [{ role: "endpoints", namespaces: { names: [SCRAPE_TARGETS.kueue.namespace] } }],
        relabel_configs: [...keepService(SCRAPE_TARGETS.kueue), ...TARGET_LABELS],
      },
    ],
  };
}

/** The scrape configuration as the `aws_prometheus_scraper`'s `scrape_configuration` (YAML). */
export function scrapeConfigurationYaml(props: ScrapeConfigurationProps): string {
  return toYaml(scrapeConfiguration(props));
}
