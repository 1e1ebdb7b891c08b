/**
 * Reading Terraform attributes the way rules see them, in synthesized cdktf JSON and in a plan's planned values;
 * the one vocabulary every rule of this folder uses.
 *
 * - A nested block is an object in cdktf JSON (`rule: { ... }`) and a list of objects in plans and in some
 *   synthesized attributes (`rule: [{ ... }]`): `block`, `blocks` and `dig` read both.
 * - A string holding `${...}` is a Terraform reference, and so is a value a plan knows only after apply
 *   (UNKNOWN_VALUE): set, but its value is only known at apply. Rules count it as set and never flag it for its value.
 * - A boolean is what Terraform converts to one: `true`/`"true"`/`"1"` and `false`/`"false"`/`"0"` (`bool`).
 * - An attribute that is absent, null, blank or an empty list is unset (`isSet`): a plan shows an absent nested
 *   block as `[]`. Rules treat an unset attribute as non-compliant only where Terraform's default for it is the
 *   insecure choice (no KMS key, no rotation, mutable tags...), never where the default is safe.
 */
import { PolicyStatementView, asList, effectOf, statementsOf } from "../policy-document";
import { ResourceView, Rule, RuleContext, UNKNOWN_VALUE, notApplicable } from "../rule";

export type Attributes = Readonly<Record<string, unknown>>;

export const isObject = (value: unknown): value is Attributes => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A rule over its own resource types: any other type, and a resource whose JSON gives no attributes object, is
 * not-applicable, so `check` reads `resource.attributes` as an object.
 */
export function defineRule(rule: Rule): Rule {
  const types = new Set(rule.resourceTypes);
  return Object.freeze({
    id: rule.id,
    severity: rule.severity,
    resourceTypes: Object.freeze([...rule.resourceTypes]),
    rationale: rule.rationale,
    publicChecks: Object.freeze([...rule.publicChecks]),
    check: (resource: ResourceView, context: RuleContext) =>
      types.has(resource?.type) && isObject(resource.attributes) ? rule.check(resource, context) : notApplicable,
  });
}

/** A nested block: the object itself, or the first object of a list of blocks; undefined when there is none. */
export function block(value: unknown): Attributes | undefined {
  if (Array.isArray(value)) return value.find(isObject);
  return isObject(value) ? value : undefined;
}

/** Every block of a (possibly repeated) nested block. */
export function blocks(value: unknown): Attributes[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/** The value at a path of nested blocks (`dig(attrs, "vpc_config", "subnet_ids")`), first block at each step. */
export function dig(value: unknown, ...path: readonly string[]): unknown {
  for (const key of path) {
    const current = block(value);
    if (current === undefined) return undefined;
    value = current[key];
  }
  return value;
}

/**
 * A Terraform reference or interpolation (`${aws_kms_key.x.arn}`, UNKNOWN_VALUE in a plan), or the placeholder
 * statementsOf leaves where a policy document held one (`<ref>`): set, with a value known only at apply.
 */
export function isReference(value: unknown): boolean {
  return typeof value === "string" && (value.includes("${") || value.includes("<ref>"));
}

// `address` as a whole name (not `aws_s3_bucket.a` in `data.aws_s3_bucket.a` or `aws_s3_bucket.ab`), cached:
// rules ask per resource and per block.
const mentionPatterns = new Map<string, RegExp>();
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** True when `value` is a reference that mentions the resource at `address` (`${<address>.name}`, `${lookup(<address>.tags, ...)}`). */
export function refersTo(value: unknown, address: string): boolean {
  if (typeof value !== "string" || !value.includes("${")) return false;
  let pattern = mentionPatterns.get(address);
  if (!pattern) mentionPatterns.set(address, (pattern = new RegExp(`(?<![A-Za-z0-9_.-])${escapeRegExp(address)}(?![A-Za-z0-9_-])`)));
  return pattern.test(value);
}

/**
 * Terraform's conversion of a value to a boolean: `true`, `"true"` and `"1"` are true, `false`, `"false"` and `"0"`
 * false. Anything else (absent, null, a reference, `"TRUE"`, which Terraform refuses) is undefined.
 */
export function bool(value: unknown): boolean | undefined {
  if (value === true || value === "true" || value === "1") return true;
  if (value === false || value === "false" || value === "0") return false;
  return undefined;
}

/** A finite number, or a string that is one; undefined otherwise (absent, null, a reference, text). */
export function num(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** A string from a string or a number; undefined otherwise. */
export function str(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The strings of a list attribute (or of a single string); other elements are dropped. */
export function strings(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.map(str).filter((s): s is string => s !== undefined);
}

/**
 * True when a value is set: a non-blank string (a reference counts: it names a value that exists at apply),
 * a number, a boolean, a non-empty list or an object. Absent, null, blank and `[]` (a plan's absent block) are not.
 */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** How a value reads in a message: strings quoted, absent values as "not set". */
export function shown(value: unknown): string {
  if (value === undefined || value === null) return "not set";
  return JSON.stringify(value);
}

/** Quoted items for a message, the first `max` of them and how many more. */
export function joinQuoted(items: readonly string[], max = 5): string {
  const quoted = items.slice(0, max).map((item) => `"${item}"`);
  return items.length > max ? `${quoted.join(", ")} and ${items.length - max} more` : quoted.join(", ");
}

/** Whether a key or alias id names an AWS-managed key (`alias/aws/<service>`, bare or as an ARN). */
export function isAwsManagedKey(value: unknown): boolean {
  return typeof value === "string" && /(^|:)alias\/aws\//.test(value);
}

// ---- Other resources of the stack -------------------------------------------------------------------------

/**
 * Whether `value`, an attribute of a resource that `context.referencing` may have found (`referred`), links it to
 * `resource`: a reference to it, one of its literal `names` (its bucket name, key id, ARN), or, in a plan where
 * the value is unknown (it refers to a resource being created), whether the configuration refers to it.
 */
export function linksTo(value: unknown, resource: ResourceView, names: readonly unknown[], referred: boolean): boolean {
  if (value === undefined || value === UNKNOWN_VALUE) return referred;
  return refersTo(value, resource.address) || (typeof value === "string" && literalNames(names).has(value));
}

const literalNames = (names: readonly unknown[]) => new Set(names.filter((name): name is string => typeof name === "string" && name !== "" && !isReference(name)));

/**
 * Resources of `type` attached to `resource` through the attribute at `via` (`"bucket"` of an aws_s3_bucket_versioning,
 * `["metadata", "namespace"]` of a Kubernetes object): those `context.referencing` finds whose `via` links here
 * (see linksTo), plus, by the resource's literal `names`, the ones a plan shows with resolved values instead of references.
 */
export function attached(resource: ResourceView, context: RuleContext, type: string, via: string | readonly string[], names: readonly unknown[] = []): ResourceView[] {
  const path = typeof via === "string" ? [via] : via;
  const found = new Map<string, ResourceView>();
  for (const candidate of context.referencing(resource.address, type) ?? []) {
    if (candidate.type === type && linksTo(dig(candidate.attributes, ...path), resource, names, true)) found.set(candidate.address, candidate);
  }
  for (const name of literalNames(names)) {
    for (const candidate of withValue(context.resources, type, path).get(name) ?? []) {
      if (!found.has(candidate.address)) found.set(candidate.address, candidate);
    }
  }
  return [...found.values()];
}

// Rules run once per resource; a rule that looked through every resource each time would make a stack or
// plan of n resources cost O(n²). These indexes are built once per resource list and kept beside it.
const typeIndexes = new WeakMap<readonly ResourceView[], Map<string, ResourceView[]>>();
const valueIndexes = new WeakMap<readonly ResourceView[], Map<string, Map<string, ResourceView[]>>>();

/** The resources of `type` in the list. */
export function resourcesOfType(resources: readonly ResourceView[], type: string): readonly ResourceView[] {
  let index = typeIndexes.get(resources);
  if (!index) {
    index = new Map();
    for (const r of resources) {
      const list = index.get(r.type);
      if (list) list.push(r);
      else index.set(r.type, [r]);
    }
    typeIndexes.set(resources, index);
  }
  return index.get(type) ?? [];
}

/** The resources of `type` whose attribute at `path` holds each string value. */
function withValue(resources: readonly ResourceView[], type: string, path: readonly string[]): ReadonlyMap<string, readonly ResourceView[]> {
  let indexes = valueIndexes.get(resources);
  if (!indexes) valueIndexes.set(resources, (indexes = new Map()));
  const key = `${type} ${path.join(".")}`;
  let index = indexes.get(key);
  if (!index) {
    index = new Map();
    for (const r of resourcesOfType(resources, type)) {
      const value = dig(r.attributes, ...path);
      if (typeof value !== "string") continue;
      const list = index.get(value);
      if (list) list.push(r);
      else index.set(value, [r]);
    }
    indexes.set(key, index);
  }
  return index;
}

// ---- Policy documents ----------------------------------------------------------------------------------------

/**
 * The statements of a policy attribute, or undefined when it is absent, unknown or not a policy. A JSON string is
 * parsed as it is first, so references keep their text (an IRSA condition key stays `${local.IssuerHost}:sub`);
 * when references hold quotes and break the JSON, statementsOf reads it with references replaced by `<ref>`.
 */
export function policyStatements(policy: unknown): PolicyStatementView[] | undefined {
  if (!isSet(policy)) return undefined;
  if (typeof policy !== "string") return (statementsOf(policy)?.filter(isObject) as PolicyStatementView[] | undefined);
  // Several rules read each policy document: parsed once (the statements are only read).
  let statements = parsedPolicies.get(policy);
  if (!parsedPolicies.has(policy)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(policy);
    } catch {
      parsed = undefined;
    }
    statements = (isObject(parsed) ? statementsOf(parsed) : statementsOf(policy))?.filter(isObject) as PolicyStatementView[] | undefined;
    if (parsedPolicies.size >= 10_000) parsedPolicies.clear();
    parsedPolicies.set(policy, statements);
  }
  return statements;
}

const parsedPolicies = new Map<string, PolicyStatementView[] | undefined>();

/** `statement "x"`, or the statement's position when it has no Sid; after `label` (`policy statement "x"`) when given. */
export function describeStatement(statement: PolicyStatementView, index: number, label?: string): string {
  const name = typeof statement.Sid === "string" && statement.Sid !== "" ? `statement "${statement.Sid}"` : `statement #${index + 1}`;
  return label === undefined ? name : `${label} ${name}`;
}

/** One key of a statement's condition, under its operator (`StringEquals`), with its values as a list. */
export interface ConditionEntry {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly unknown[];
}

export function conditionEntries(condition: unknown): ConditionEntry[] {
  if (!isObject(condition)) return [];
  return Object.entries(condition).flatMap(([operator, body]) =>
    isObject(body) ? Object.entries(body).map(([key, value]) => ({ operator, key, values: Array.isArray(value) ? value : [value] })) : [],
  );
}

/** Principal `"*"`, or any principal map (`AWS`, `Service`, ...) that lists `"*"`. */
export function principalIsEveryone(principal: unknown): boolean {
  if (typeof principal === "string") return principal.trim() === "*";
  if (!isObject(principal)) return false;
  return Object.values(principal).some((value) => asList(value).some((p) => p.trim() === "*"));
}

/** A Deny to everyone of every action of `service` (`s3`, `sqs`) when the request is not made over TLS. */
export function deniesInsecureTransport(statement: PolicyStatementView, service: string): boolean {
  if (effectOf(statement) !== "deny" || !principalIsEveryone(statement.Principal)) return false;
  if (!asList(statement.Action).some((a) => a === "*" || a.toLowerCase() === `${service}:*`)) return false;
  return conditionEntries(statement.Condition).some(
    (e) => /^Bool(IfExists)?$/i.test(e.operator) && e.key.toLowerCase() === "aws:securetransport" && asList(e.values).some((v) => v.toLowerCase() === "false"),
  );
}

/** Condition keys whose positive match limits who the caller is (account, organization, network path, ARN). */
const CALLER_KEYS = new Set(
  [
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:VpceAccount",
    "aws:userid",
    "kms:CallerAccount",
  ].map((key) => key.toLowerCase()),
);
/** Operators that only match listed values (not `...IfExists`, `Not...`, `ForAllValues:`, which also match nothing). */
const MATCHING_OPERATOR = /^(ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/i;

/** A condition value that matches any caller: `*`, or an ARN whose account is a wildcard. */
function matchesAnyone(value: string): boolean {
  if (/^[*?]+$/.test(value)) return true;
  const arn = /^arn:[^:]*:[^:]*:[^:]*:([^:]*):(.*)$/.exec(value);
  if (!arn) return false;
  const [, account, rest] = arn;
  return account.includes("*") || (account === "" && /^[*?]/.test(rest));
}

/** Whether a statement's condition limits the caller to known accounts, organizations, ARNs or network paths. */
export function conditionLimitsCaller(condition: unknown): boolean {
  return conditionEntries(condition).some((e) => {
    const values = asList(e.values);
    return MATCHING_OPERATOR.test(e.operator) && CALLER_KEYS.has(e.key.toLowerCase()) && values.length > 0 && !values.some(matchesAnyone);
  });
}

/**
 * The Allow statements that grant anyone (`"*"`, `{ AWS: "*" }`, or any `NotPrincipal`) without a condition
 * limiting the caller. Undefined when the policy is absent or unknown.
 */
export function publicAllowStatements(policy: unknown): { statement: PolicyStatementView; index: number }[] | undefined {
  const statements = policyStatements(policy);
  if (statements === undefined) return undefined;
  return statements
    .map((statement, index) => ({ statement, index }))
    .filter(({ statement }) => {
      if (effectOf(statement) !== "allow") return false;
      const notPrincipal = (statement as { NotPrincipal?: unknown }).NotPrincipal;
      const everyone = principalIsEveryone(statement.Principal) || (notPrincipal !== undefined && notPrincipal !== null);
      return everyone && !conditionLimitsCaller(statement.Condition);
    });
}

/** The message for a policy's public Allow statements. */
export function describePublicAllows(found: { statement: PolicyStatementView; index: number }[], policyName = "its policy"): string {
  const names = found.map(({ statement, index }) => describeStatement(statement, index)).join(", ");
  return `${policyName} allows everyone (a "*" principal or NotPrincipal) in ${names}, without a condition that limits the caller to known accounts, organizations or VPC endpoints`;
}

export const PUBLIC_ALLOW_FIX =
  'name the principals (account roots, role ARNs or service principals) instead of "*", or add a condition that limits the caller (aws:PrincipalAccount, aws:PrincipalOrgID, aws:SourceAccount, aws:SourceVpce)';
