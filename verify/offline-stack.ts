import { isObject } from "../review/json-file";
import type { SynthStack } from "../review/synth-output";
import { VerifyError } from "./errors";
import { NewerAttribute } from "./provider-compat";
import { stubValue } from "./stub-values";

/** An attribute taken out of a stack for a provider older than the pin, with the value it had. */
export interface DroppedAttribute {
  readonly address: string;
  readonly attribute: string;
  readonly value: unknown;
  readonly addedIn: string;
}

/** A Terraform state (format 4) holding only outputs: what a stack reads of a dependency it is planned without. */
export interface StubState {
  readonly file: string;
  readonly producer: string;
  readonly state: Readonly<Record<string, unknown>>;
}

export interface OfflineStack {
  /** The stack's Terraform JSON, ready for `terraform plan -refresh=false` with no AWS call. */
  readonly json: Record<string, unknown>;
  readonly dropped: readonly DroppedAttribute[];
  readonly stubStates: readonly StubState[];
}

export interface OfflineOptions {
  /** The hashicorp/aws version in use, when it is not the pinned one. */
  readonly awsProviderVersion?: string;
  /** The listed attributes that version lacks (see provider-compat.ts). */
  readonly drop?: readonly NewerAttribute[];
}

/**
 * Settings that make the AWS provider plan without calling AWS. `allowed_account_ids` goes: the account id
 * is unknown without an STS call, and the provider would refuse every account.
 */
export const OFFLINE_AWS_PROVIDER = {
  access_key: "AKIAVERIFYOFFLINE000",
  secret_key: "offline-plan-no-aws-call",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
} as const;

const REMOTE_OUTPUT = /data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g;
const SINGLE_REFERENCE = /^\$\{([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.([^{}]+)\}$/;

const clone = <T>(value: T): T => structuredClone(value);
const objectAt = (parent: Record<string, unknown>, key: string): Record<string, unknown> => {
  const value = parent[key];
  if (isObject(value)) return value;
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
};
const configsOf = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter(isObject) : isObject(value) ? [value] : []);

/** The account and region a stack's AWS provider is pinned to. */
function awsEnvironment(stack: SynthStack): { accountId: string; region: string } {
  const provider = configsOf(isObject(stack.json.provider) ? stack.json.provider.aws : undefined)[0];
  const accountId = Array.isArray(provider?.allowed_account_ids) ? provider.allowed_account_ids[0] : undefined;
  const region = provider?.region;
  if (typeof accountId !== "string" || typeof region !== "string") {
    throw new VerifyError(`${stack.id}: its aws provider has no allowed_account_ids and region; stub values need both`);
  }
  return { accountId, region };
}

/** Where a stack's state lives (its S3 backend's bucket and key). */
function stateLocation(backend: unknown): string | undefined {
  const s3 = isObject(backend) && isObject(backend.s3) ? backend.s3 : isObject(backend) ? backend : undefined;
  return typeof s3?.bucket === "string" && typeof s3.key === "string" ? `${s3.bucket}/${s3.key}` : undefined;
}

/** Terraform's type of a JSON value, as state files write it. */
function typeOf(value: unknown): unknown {
  if (Array.isArray(value)) return ["tuple", value.map(typeOf)];
  if (isObject(value)) return ["object", Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeOf(v)]))];
  return typeof value === "number" ? "number" : typeof value === "boolean" ? "bool" : "string";
}

/** The value a producer's output would have after a real apply, in the shape AWS gives it. */
function stubOutput(producer: SynthStack, output: string): unknown {
  const outputs = isObject(producer.json.output) ? producer.json.output : {};
  const entry = outputs[output];
  if (!isObject(entry) || !("value" in entry)) throw new VerifyError(`${producer.id} has no output "${output}" that its dependants read`);
  const environment = awsEnvironment(producer);
  const resources = isObject(producer.json.resource) ? producer.json.resource : {};
  const stub = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(stub);
    if (typeof value !== "string" || !value.includes("${")) return value;
    const match = SINGLE_REFERENCE.exec(value);
    const byName = match && isObject(resources[match[1]]) ? (resources[match[1]] as Record<string, unknown>) : undefined;
    const attributes = match && byName && isObject(byName[match[2]]) ? (byName[match[2]] as Record<string, unknown>) : undefined;
    if (!match || !attributes) throw new VerifyError(`${producer.id} output "${output}" = ${value}: not a reference to one of its resources; the stub state cannot shape it`);
    return stubValue(match[1], match[3], { ...environment, attributes, address: `${producer.id}/${match[1]}.${match[2]}` });
  };
  return stub(entry.value);
}

/**
 * The stack as Terraform JSON that plans offline: a local backend, the AWS provider with fake keys and no
 * AWS calls, every `terraform_remote_state` read from a stub state of the outputs it uses, and (only for an
 * older provider) the listed newer attributes dropped.
 */
export function offlineStack(stack: SynthStack, stacks: readonly SynthStack[], options: OfflineOptions = {}): OfflineStack {
  const json = clone(stack.json) as Record<string, unknown>;
  const terraform = objectAt(json, "terraform");
  terraform.backend = { local: { path: "terraform.tfstate" } };
  const providers = objectAt(json, "provider");
  if (options.awsProviderVersion) {
    const required = objectAt(terraform, "required_providers");
    if (isObject(required.aws)) required.aws = { ...required.aws, version: options.awsProviderVersion };
  }
  if (providers.aws !== undefined) {
    providers.aws = configsOf(providers.aws).map(({ allowed_account_ids: _pinned, ...config }) => ({ ...config, ...OFFLINE_AWS_PROVIDER }));
  }

  const dropped: DroppedAttribute[] = [];
  const resources = isObject(json.resource) ? json.resource : {};
  for (const newer of options.drop ?? []) {
    const byName = resources[newer.resourceType];
    if (!isObject(byName)) continue;
    for (const [name, attributes] of Object.entries(byName)) {
      if (!isObject(attributes) || !(newer.attribute in attributes)) continue;
      dropped.push({ address: `${newer.resourceType}.${name}`, attribute: newer.attribute, value: attributes[newer.attribute], addedIn: newer.addedIn });
      delete attributes[newer.attribute];
    }
  }

  const stubStates: StubState[] = [];
  const data = isObject(json.data) ? json.data : {};
  const remoteStates = isObject(data.terraform_remote_state) ? data.terraform_remote_state : {};
  const read = new Map<string, Set<string>>();
  for (const match of JSON.stringify(json).matchAll(REMOTE_OUTPUT)) {
    if (!read.has(match[1])) read.set(match[1], new Set());
    read.get(match[1])!.add(match[2]);
  }
  const byLocation = new Map(stacks.map((s) => [stateLocation(isObject(s.json.terraform) ? s.json.terraform.backend : undefined), s]));
  for (const [name, source] of Object.entries(remoteStates)) {
    if (!isObject(source)) continue;
    const producer = byLocation.get(stateLocation(source.config));
    if (!producer) throw new VerifyError(`${stack.id}: data.terraform_remote_state.${name} reads a state no synthesized stack writes`);
    const file = `stub-${producer.id}.tfstate`;
    const outputs = Object.fromEntries(
      [...(read.get(name) ?? [])].sort().map((output) => {
        const value = stubOutput(producer, output);
        return [output, { value, type: typeOf(value), sensitive: true }];
      }),
    );
    stubStates.push({ file, producer: producer.id, state: { version: 4, terraform_version: "1.0.0", serial: 1, lineage: `stub-${producer.id}`, outputs, resources: [] } });
    remoteStates[name] = { ...source, backend: "local", config: { path: file } };
  }
  return { json, dropped, stubStates };
}
