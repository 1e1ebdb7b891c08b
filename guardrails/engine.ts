import { ResourceView, Rule, RuleContext, Severity } from "./rule";

/** One rule's verdict on one resource that is not compliant. */
export interface Finding {
  readonly ruleId: string;
  /** `<stack>/<type>.<name>` for synthesized stacks; the resource address for plans. */
  readonly address: string;
  readonly severity: Severity;
  readonly message: string;
  readonly fix: string;
  readonly suppressed: boolean;
  /** Why it is suppressed, when it is. */
  readonly reason?: string;
}

/** Decides whether a finding is suppressed: the reason, or undefined. */
export type SuppressionLookup = (ruleId: string, resource: EvaluatedResource) => string | undefined;

export interface EvaluatedResource extends ResourceView {
  /** The construct path (`prod-data/FeatureStore/...`), where known. */
  readonly constructPath?: string;
}

export interface EvaluateOptions {
  readonly rules: readonly Rule[];
  /** The environment is protected: stateful resources must not be destroyable. */
  readonly protected: boolean;
  /** Prefix of every finding's address, e.g. the stack id. */
  readonly addressPrefix?: string;
  /** @default - resources that mention `${<address>.` or the address in their attributes */
  readonly referencing?: RuleContext["referencing"];
  /** @default - nothing is suppressed */
  readonly suppressions?: SuppressionLookup;
  /** @default true (see RuleContext.lifecycleVisible) */
  readonly lifecycleVisible?: boolean;
}

/**
 * A resource's or data source's address where an expression or depends_on names it (`aws_vpc.Main`,
 * `data.aws_region.R`), found in linear time: bounded names, a resource type has a provider prefix (`aws_`, so
 * "sts.amazonaws.com" is no candidate), and a match starts at no word or dot (`local.a_b.c` names no resource).
 */
export const ELEMENT_ADDRESS = /(?<![\w.])((?:data\.)?[a-z][a-z0-9]{0,63}_[a-z0-9_]{1,127}\.[A-Za-z0-9_-]{1,255})/g;

/** Which addresses each resource's attributes refer to (`${aws_s3_bucket.x.id}`, `depends_on`). */
function referenceIndex(resources: readonly ResourceView[]): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  const known = new Set(resources.map((r) => r.address));
  for (const resource of resources) {
    const text = JSON.stringify(resource.attributes);
    for (const match of text.matchAll(ELEMENT_ADDRESS)) {
      if (match[1] === resource.address || !known.has(match[1])) continue;
      let from = index.get(match[1]);
      if (!from) index.set(match[1], (from = new Set()));
      from.add(resource.address);
    }
  }
  return index;
}

/** The default `referencing` for Terraform JSON: found by the addresses in each resource's attributes. */
export function referencingByAttributes(resources: readonly ResourceView[]): RuleContext["referencing"] {
  let index: Map<string, Set<string>> | undefined;
  const byAddress = new Map(resources.map((r) => [r.address, r]));
  return (address, type) => {
    index ??= referenceIndex(resources);
    return [...(index.get(address) ?? [])].map((a) => byAddress.get(a)!).filter((r) => r.type === type);
  };
}

/** Runs every rule over every resource and returns the findings (compliant and not-applicable results are dropped). */
export function evaluate(resources: readonly EvaluatedResource[], options: EvaluateOptions): Finding[] {
  const context: RuleContext = {
    resources,
    protected: options.protected,
    referencing: options.referencing ?? referencingByAttributes(resources),
    lifecycleVisible: options.lifecycleVisible ?? true,
  };
  const byType = new Map<string, Rule[]>();
  for (const rule of options.rules) {
    for (const type of rule.resourceTypes) byType.set(type, [...(byType.get(type) ?? []), rule]);
  }
  const prefix = options.addressPrefix ? `${options.addressPrefix}/` : "";
  return resources.flatMap((resource) =>
    (byType.get(resource.type) ?? []).flatMap((rule): Finding[] => {
      const result = rule.check(resource, context);
      if (result.status !== "non-compliant") return [];
      const reason = options.suppressions?.(rule.id, resource);
      return [
        {
          ruleId: rule.id,
          address: `${prefix}${resource.address}`,
          severity: rule.severity,
          message: result.message,
          fix: result.fix,
          suppressed: reason !== undefined,
          ...(reason !== undefined ? { reason } : {}),
        },
      ];
    }),
  );
}

/** `<rule id> <address>: <message> (fix: <fix>)`, the line synthesis fails with. */
export function formatFinding(finding: Finding): string {
  return `${finding.ruleId} ${finding.address}: ${finding.message} (fix: ${finding.fix})`;
}

/** The resources of a synthesized stack's JSON, with their construct paths. */
export function resourcesOfStackJson(json: { resource?: Record<string, Record<string, Record<string, unknown>>> }): EvaluatedResource[] {
  return Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, attributes]) => {
      const { "//": meta, ...rest } = attributes as { "//"?: { metadata?: { path?: string } } };
      return { type, address: `${type}.${name}`, attributes: rest, constructPath: meta?.metadata?.path };
    }),
  );
}
