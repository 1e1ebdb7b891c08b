import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { accountProblems, setAwsEnvironment } from "../constructs/core/aws-environment";
import { ConstructPropsError, problemsAt, throwPropsProblems } from "../constructs/core/errors";
import { ENVIRONMENT_NAME, ENVIRONMENT_NAME_RULE, environmentPrefix, resourceName } from "../constructs/core/naming";
import { protectStatefulResources } from "../constructs/core/protection";
import { platformTags } from "../constructs/core/tags";
import { applyGuardrails, beginGuardedSynthesis, takeCheckedJson } from "../guardrails/apply";
import { ELEMENT_ADDRESS } from "../guardrails/engine";
import { PROTECTED_CONTEXT_KEY } from "../guardrails/protection-context";
import { StackAccount, StateLocation, configureState } from "./remote-state";

/**
 * A part of an environment config as a layer stack takes it: read-only all the way down, so a team's own
 * `as const` objects fit as well as a parsed environment's parts.
 */
export type LayerConfig<T> = T extends readonly (infer E)[] ? readonly LayerConfig<E>[] : T extends object ? { readonly [K in keyof T]: LayerConfig<T[K]> } : T;

/**
 * A layer that skipped looking for references to other stacks must have none: a resource of another stack changed
 * into it after it was made (an override, a policy statement) would be written as a reference to a resource that
 * is not in it. Refused, naming the way that works.
 */
function refuseReferencesElsewhere(stack: PlatformStack, json: Record<string, unknown>): void {
  const defined = new Set<string>();
  for (const [kind, prefix] of [["resource", ""], ["data", "data."]] as const) {
    for (const [type, byName] of Object.entries((json[kind] ?? {}) as Record<string, Record<string, unknown>>)) for (const name of Object.keys(byName)) defined.add(`${prefix}${type}.${name}`);
  }
  for (const [, expression] of JSON.stringify(json).matchAll(/\$\{([^}]*)\}/g)) {
    for (const [address] of expression.matchAll(ELEMENT_ADDRESS)) {
      if (!defined.has(address)) {
        throw new ConstructPropsError(
          `${stack.node.path}: refers to ${address}, which is not in this stack: the ${stack.layer} layer reads no other stack, and does not look for references to one. ` +
            "Add what refers to another stack as a construct of its own in this stack, or in a subclass of the layer, and the reference is made for you",
        );
      }
    }
  }
}

/** How a stack guards what it cannot rebuild. */
export interface StackProtection {
  /**
   * `prevent_destroy` and the service's own deletion protection on every stateful resource.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Days before a scheduled deletion of the stack's KMS keys happens (7-30).
   * @default 30
   */
  readonly kmsKeyDeletionWindowDays?: number;
}

/** What every stack of the blueprint takes, whatever its layer. */
export interface BaseStackProps {
  /** The environment the stack belongs to: its id starts with `<environmentName>-`, its resource names with `mlops-<environmentName>-`. */
  readonly environmentName: string;
  /** The account and region it deploys to; its provider refuses any other account. */
  readonly account: StackAccount;
  /** @default - protected: `{ enabled: true, kmsKeyDeletionWindowDays: 30 }` */
  readonly protection?: StackProtection;
  /**
   * Where the stack keeps its state: its own object in the environment's state bucket (made by `<env>-bootstrap`),
   * in a state bucket of yours, or a local file for a bootstrap stack's first apply.
   * @default "s3"
   */
  readonly state?: StateLocation;
}

export interface PlatformStackProps extends BaseStackProps {
  /** The layer this stack holds (`network`, `data`, ...): its `mlops:layer` tag. */
  readonly layer: string;
}

/**
 * The base of every stack: its own encrypted and locked state object, an AWS provider that refuses any account but
 * the stack's, default tags, protection of stateful resources unless turned off, and the blueprint's guardrails at
 * synth. A team's own stack extends it to get the same; `cdktf deploy '<env>-*'` deploys one environment, so the id
 * must start with the environment's name.
 */
export class PlatformStack extends TerraformStack {
  readonly environmentName: string;
  readonly layer: string;
  readonly account: StackAccount;
  /** `mlops-<env>`: the start of every resource name in the environment. */
  readonly namePrefix: string;
  /** Deletion window of the stack's KMS keys, in days. */
  readonly kmsKeyDeletionWindowDays: number;
  /** How many constructs a layer that reads no other stack had when its constructor ended (see prepareStack). */
  private selfContainedSize?: number;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    throwPropsProblems(this.node.path, [
      ...(ENVIRONMENT_NAME.test(props.environmentName) ? [] : [{ path: "environmentName", message: `is "${props.environmentName}"; it ${ENVIRONMENT_NAME_RULE}` }]),
      ...problemsAt("account", accountProblems(props.account)),
    ]);
    if (!id.startsWith(`${props.environmentName}-`)) {
      throw new ConstructPropsError(`${this.node.path}: the stack id must start with "${props.environmentName}-" (its environment's name), so that \`cdktf deploy '${props.environmentName}-*'\` deploys it with its environment; name it "${props.environmentName}-${props.layer}"`);
    }
    this.environmentName = props.environmentName;
    this.layer = props.layer;
    this.account = props.account;
    this.namePrefix = environmentPrefix(props.environmentName);
    this.kmsKeyDeletionWindowDays = props.protection?.kmsKeyDeletionWindowDays ?? 30;
    const protect = props.protection?.enabled ?? true;
    // Read by the guardrails: protected stacks must not be able to lose their stateful resources.
    this.node.setContext(PROTECTED_CONTEXT_KEY, protect);

    setAwsEnvironment(this, { accountId: props.account.id, region: props.account.region });
    new AwsProvider(this, "aws", {
      region: props.account.region,
      allowedAccountIds: [props.account.id],
      defaultTags: [{ tags: platformTags(props.environmentName, props.layer) }],
    });
    configureState(this, props.environmentName, props.account, props.state ?? "s3");
    if (protect) protectStatefulResources(this);
    applyGuardrails(this);
  }

  /**
   * Every stack of the app exists by now, and none is written yet: the guardrails guard them all, stacks that are
   * not PlatformStacks too, so the first one written is checked with the rest.
   */
  prepareStack(): void {
    beginGuardedSynthesis(this);
    // cdktf's preparing resolve only looks for references to other stacks: a tenth of synthesis. A layer that reads
    // none, left as its class made it (no subclass, nothing added since), has none to find.
    if (this.selfContainedSize !== undefined && this.node.findAll().length === this.selfContainedSize) return;
    super.prepareStack();
  }

  /**
   * Called at the end of the constructor of a layer that reads no other stack (`layer` is its class): while the stack
   * is exactly what that constructor made, preparing it skips the search for references to other stacks.
   */
  protected readsNoOtherStack(layer: abstract new (...args: never[]) => PlatformStack): void {
    if (this.constructor === layer) this.selfContainedSize = this.node.findAll().length;
  }

  /** Written as the guardrails checked it in this synthesis: made once, not again for writing. */
  toTerraform(): ReturnType<TerraformStack["toTerraform"]> {
    const checked = takeCheckedJson(this) as ReturnType<TerraformStack["toTerraform"]> | undefined;
    if (checked) return checked;
    const json = super.toTerraform();
    if (this.selfContainedSize !== undefined) refuseReferencesElsewhere(this, json);
    return json;
  }

  /** Name of a resource in this stack: `mlops-<env>-<parts>`, cut to the service's limit. */
  resourceName(parts: readonly string[], maxLength: number): string {
    return resourceName([this.namePrefix, ...parts], { maxLength });
  }
}
