/**
 * Kueue's objects (ClusterQueue, LocalQueue), read from Helm release values and kubernetes_manifest: every
 * ClusterQueue in a cohort with explicit borrowing limits, bound to named namespaces, and queues that lead
 * somewhere.
 */
import type { Rule } from "../rule";
import { block, blocks, isObject, isReference, str } from "./attributes";
import { objectRule, stackObjectsOfKind } from "./helm";

const KUEUE = "kueue.x-k8s.io";

const cohortWithLimits = objectRule({
  id: "MLB-KUEUE-001",
  group: KUEUE,
  kind: "ClusterQueue",
  rationale: "A team ClusterQueue outside a cohort cannot lend its idle GPUs, and one without a borrowingLimit can borrow the whole cohort: fair sharing needs both.",
  publicChecks: [],
  fix: "Set spec.cohortName (the training cohort) and, on every resource of every flavor, an explicit borrowingLimit (0 for none).",
  problems(queue) {
    const spec = block(queue.body.spec);
    const cohort = spec?.cohortName ?? spec?.cohort; // v1beta2 cohortName, v1beta1 cohort
    const problems: string[] = [];
    if (!isReference(cohort) && (str(cohort) ?? "").trim() === "") problems.push("has no cohortName, so it neither lends nor borrows");
    const unlimited = blocks(spec?.resourceGroups).flatMap((group) =>
      blocks(group.flavors).flatMap((flavor) =>
        blocks(flavor.resources)
          .filter((resource) => resource.borrowingLimit === undefined || resource.borrowingLimit === null)
          .map((resource) => `${str(flavor.name) ?? "?"}/${str(resource.name) ?? "?"}`),
      ),
    );
    if (unlimited.length > 0) problems.push(`sets no borrowingLimit for ${unlimited.join(", ")}, so it may borrow all the cohort's unused quota`);
    return problems;
  },
});

/** True when a label selector has no labels and no expressions: it selects everything. */
function selectsEverything(selector: unknown): boolean {
  if (!isObject(selector)) return false;
  const labels = selector.matchLabels;
  const expressions = selector.matchExpressions;
  const noLabels = labels === undefined || labels === null || (isObject(labels) && Object.keys(labels).length === 0);
  const noExpressions = expressions === undefined || expressions === null || (Array.isArray(expressions) && expressions.length === 0);
  return noLabels && noExpressions;
}

const namedNamespaces = objectRule({
  id: "MLB-KUEUE-002",
  group: KUEUE,
  kind: "ClusterQueue",
  rationale: "A ClusterQueue whose namespaceSelector is {} admits workloads of every namespace: any namespace's LocalQueue could spend a team's guaranteed GPUs.",
  publicChecks: [],
  fix: "Select the team's namespace: spec.namespaceSelector { matchLabels: { kubernetes.io/metadata.name: <team> } } (left out, the queue admits no namespace).",
  problems(queue) {
    return selectsEverything(block(queue.body.spec)?.namespaceSelector) ? ["has namespaceSelector {}, which selects every namespace"] : [];
  },
});

const localQueueTarget = objectRule({
  id: "MLB-KUEUE-003",
  severity: "warning",
  group: KUEUE,
  kind: "LocalQueue",
  rationale: "A LocalQueue that points at a ClusterQueue this stack does not declare holds its workloads pending forever.",
  publicChecks: [],
  fix: "Point spec.clusterQueue at a ClusterQueue the stack declares (the team's), or declare that ClusterQueue.",
  problems(queue, context) {
    const target = block(queue.body.spec)?.clusterQueue;
    if (isReference(target)) return [];
    const name = str(target);
    if (name === undefined || name.trim() === "") return ["names no spec.clusterQueue"];
    const declared = stackObjectsOfKind(context, KUEUE, "ClusterQueue").map((q) => q.name);
    return declared.includes(name) ? [] : [`points at ClusterQueue "${name}", which this stack does not declare`];
  },
});

export const kueueRules: readonly Rule[] = [cohortWithLimits, namedNamespaces, localQueueTarget];
