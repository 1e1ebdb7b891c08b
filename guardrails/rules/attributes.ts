/**
 * Reading Terraform attributes the way rules see them, in synthesized cdktf JSON and in a plan's planned values.
 *
 * - A nested block is an object in cdktf JSON (`rule: { ... }`) and a list of objects in plans and in some
 *   synthesized attributes (`rule: [{ ... }]`): `block` and `blocks` read both.
 * - A boolean may be `true` or `"true"`: `parseBoolean`.
 * - A string holding `${...}` is a Terraform reference: set, but its value is only known at apply. Rules count
 *   it as set and never flag it for its value (they cannot see it).
 * - An attribute that is absent (or null) is unset in cdktf JSON; in a plan, null is unset and absent is
 *   "known after apply". Rules treat an absent attribute as non-compliant only where Terraform's default for
 *   it is the insecure choice (no KMS key, no rotation, mutable tags...), never where the default is safe.
 */
import { PolicyStatementView, asList, effectOf, statementsOf } from "../policy-document";
import { ResourceView, Rule, RuleContext, UNKNOWN_VALUE, notApplicable } from "../rule";

export type Attributes = Readonly<Record<string, unknown>>;

/** The attributes of a resource, `{}` when a plan gives none. */
export function attributesOf(resource: ResourceView): Attributes {
  const attributes = resource.attributes as unknown;
  return typeof attributes === "object" && attributes !== null && !Array.isArray(attributes) ? (attributes as Attributes) : {};
}

export const isObject = (value: unknown): value is Attributes => typeof value === "object" && value !== null && !Array.isArray(value);

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

/** The value at a path of nested blocks (`nested(attrs, "versioning_configuration", "status")`), first block at each step. */
export function nested(attributes: Attributes | undefined, ...path: string[]): unknown {
  let value: unknown = attributes;
  for (const key of path) {
    const current = block(value);
    if (current === undefined) return undefined;
    value = current[key];
  }
  return value;
}

/** A Terraform reference or interpolation (`${aws_kms_key.x.arn}`): set, with a value known only at apply. */
export function isReference(value: unknown): value is string {
  return typeof value === "string" && value.includes("${");
}

/** `true`/`"true"` is true, `false`/`"false"` is false; anything else (absent, null, a reference) is undefined. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  return undefined;
}

/** A finite number, or a string that is one; undefined otherwise (absent, null, a reference). */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Absent, null or the empty string: not set. References, objects and lists count as set. */
export function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

/** How a value reads in a message: strings quoted, absent values as "not set". */
export function shown(value: unknown): string {
  if (value === undefined || value === null) return "not set";
  return JSON.stringify(value);
}

/** Whether a key or alias id names an AWS-managed key (`alias/aws/<service>`, bare or as an ARN). */
export function isAwsManagedKey(value: unknown): boolean {
  return typeof value === "string" && /(^|:)alias\/aws\//.test(value);
}

/** A rule whose check only ever sees its own resource types: any other type is not-applicable. */
export function defineRule(rule: Rule): Rule {
  const types = new Set(rule.resourceTypes);
  return Object.freeze({
    id: rule.id,
    severity: rule.severity,
    resourceTypes: Object.freeze([...rule.resourceTypes]),
    rationale: rule.rationale,
    publicChecks: Object.freeze([...rule.publicChecks]),
    check: (resource: ResourceView, context: RuleContext) => (types.has(resource?.type) ? rule.check(resource, context) : notApplicable),
  });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Resources of `type` attached to `resource` through their attribute `via` (the `bucket` of an
 * aws_s3_bucket_versioning, the `key_id` of an aws_kms_key_policy): those `context.referencing` finds whose
 * `via` refers to this resource, is unknown (a plan), or equals one of the resource's literal `names` (its
 * bucket name, key id, ARN), plus, by those names, the ones a plan shows with resolved values instead of references.
 */
export function attached(resource: ResourceView, context: RuleContext, type: string, via: string, names: readonly unknown[] = []): ResourceView[] {
  const mentions = new RegExp(`${escapeRegExp(resource.address)}(?![A-Za-z0-9_-])`);
  const literalNames = new Set(names.filter((name): name is string => typeof name === "string" && name !== "" && !isReference(name)));
  const pointsHere = (candidate: ResourceView, foundByReference: boolean): boolean => {
    const target = attributesOf(candidate)[via];
    // Unknown at plan time (it refers to a resource being created): the configuration's reference decides.
    if (target === undefined || target === UNKNOWN_VALUE) return foundByReference;
    if (typeof target !== "string") return false;
    return mentions.test(target) || literalNames.has(target);
  };
  const found = new Map<string, ResourceView>();
  for (const candidate of context.referencing(resource.address, type) ?? []) {
    if (candidate.type === type && pointsHere(candidate, true)) found.set(candidate.address, candidate);
  }
  for (const name of literalNames) {
    for (const candidate of withValue(context.resources, type, via).get(name) ?? []) {
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

/** The resources of `type` whose attribute `via` holds each string value. */
export function withValue(resources: readonly ResourceView[], type: string, via: string): ReadonlyMap<string, readonly ResourceView[]> {
  let indexes = valueIndexes.get(resources);
  if (!indexes) valueIndexes.set(resources, (indexes = new Map()));
  const key = `${type} ${via}`;
  let index = indexes.get(key);
  if (!index) {
    index = new Map();
    for (const r of resourcesOfType(resources, type)) {
      const value = attributesOf(r)[via];
      if (typeof value !== "string") continue;
      const list = index.get(value);
      if (list) list.push(r);
      else index.set(value, [r]);
    }
    indexes.set(key, index);
  }
  return index;
}

// ---- Resource policies ------------------------------------------------------------------------------------

/** The statements of a policy attribute, or undefined when it is absent, unknown or not parseable. */
export function policyStatements(policy: unknown): PolicyStatementView[] | undefined {
  if (isUnset(policy)) return undefined;
  const statements = statementsOf(policy);
  return statements?.filter(isObject) as PolicyStatementView[] | undefined;
}

/** `Sid "x"`, or the statement's position when it has no Sid. */
export function describeStatement(statement: PolicyStatementView, index: number): string {
  return typeof statement.Sid === "string" && statement.Sid !== "" ? `statement "${statement.Sid}"` : `statement #${index + 1}`;
}

/** Principal `"*"`, or any principal map (`AWS`, `Service`, ...) that lists `"*"`. */
export function principalIsEveryone(principal: unknown): boolean {
  if (typeof principal === "string") return principal.trim() === "*";
  if (!isObject(principal)) return false;
  return Object.values(principal).some((value) => asList(value).some((p) => p.trim() === "*"));
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
  if (!isObject(condition)) return false;
  return Object.entries(condition).some(
    ([operator, entries]) =>
      MATCHING_OPERATOR.test(operator) &&
      isObject(entries) &&
      Object.entries(entries).some(([key, value]) => {
        const values = asList(value);
        return CALLER_KEYS.has(key.toLowerCase()) && values.length > 0 && !values.some(matchesAnyone);
      }),
  );
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
