import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { setAwsEnvironment } from "../constructs/core/aws-environment";
import { environmentPrefix, resourceName } from "../constructs/core/naming";
import { protectStatefulResources } from "../constructs/core/protection";
import { platformTags } from "../constructs/core/tags";
import type { EnvironmentConfig } from "../environments/schema";
import { PROTECTED_CONTEXT_KEY } from "../guardrails/protection-context";
import { StateLocation, configureState } from "./remote-state";

export interface PlatformStackProps {
  readonly environment: EnvironmentConfig;
  /** The layer this stack holds; the stack id is `<environment>-<layer>`. */
  readonly layer: string;
  /**
   * Where the stack keeps its state.
   * @default "s3"
   */
  readonly state?: StateLocation;
  /**
   * Put `prevent_destroy` and deletion protection on every stateful resource.
   * @default environment.protection.enabled
   */
  readonly protectStatefulResources?: boolean;
  /**
   * The stack refers to resources of other stacks. A stack that does not skips cdktf's preparing resolve,
   * which only looks for such references (a tenth of synth time for the three stacks that use none).
   * @default true
   */
  readonly readsOtherStacks?: boolean;
}

/**
 * What every stack of the platform shares: id `<env>-<layer>`, its own encrypted and locked state object,
 * an AWS provider that refuses any account but the environment's, default tags, and in protected
 * environments `prevent_destroy` plus deletion protection on every stateful resource.
 */
export class PlatformStack extends TerraformStack {
  readonly environment: EnvironmentConfig;
  readonly layer: string;
  /** `mlops-<env>`: the start of every resource name in the environment. */
  readonly namePrefix: string;
  private readonly readsOtherStacks: boolean;

  constructor(scope: Construct, props: PlatformStackProps) {
    const env = props.environment;
    const stackId = `${env.name}-${props.layer}`;
    super(scope, stackId);
    this.environment = env;
    this.layer = props.layer;
    this.readsOtherStacks = props.readsOtherStacks ?? true;
    this.namePrefix = environmentPrefix(env.name);
    const protect = props.protectStatefulResources ?? env.protection.enabled;
    // Read by the guardrails: protected stacks must not be able to lose their stateful resources.
    this.node.setContext(PROTECTED_CONTEXT_KEY, protect);

    setAwsEnvironment(this, { accountId: env.account.id, region: env.account.region });
    new AwsProvider(this, "aws", {
      region: env.account.region,
      allowedAccountIds: [env.account.id],
      defaultTags: [{ tags: platformTags(env.name, props.layer) }],
    });
    configureState(this, env, stackId, props.state ?? "s3");
    if (protect) protectStatefulResources(this);
  }

  /** The backend is always configured (constructor); what is left of preparing is finding cross-stack references. */
  prepareStack(): void {
    if (this.readsOtherStacks) super.prepareStack();
  }

  /** Name of a resource in this stack: `mlops-<env>-<parts>`, cut to the service's limit. */
  resourceName(parts: readonly string[], maxLength: number): string {
    return resourceName([this.namePrefix, ...parts], { maxLength });
  }
}
