import { Construct } from "constructs";
import { PriorityClassV1 } from "@cdktf/provider-kubernetes/lib/priority-class-v1";
import { ConstructPropsError } from "../../core/errors";

export interface TrainingPriorityClassesProps {
  /**
   * Start of the class names: `<prefix>-critical`, `<prefix>-default`, `<prefix>-preemptible`.
   * @default "training"
   */
  readonly namePrefix?: string;
}

/**
 * Three priorities for training pods, all below the system classes: critical jobs preempt default ones,
 * default jobs preempt preemptible ones, and preemptible jobs wait for free capacity instead of preempting anything.
 * The default class is the cluster's global default: a job that names no class gets it (Kueue reads the global default
 * too), so it never ranks below preemptible work. Platform pods name system classes of their own.
 */
export class TrainingPriorityClasses extends Construct {
  readonly criticalClassName: string;
  readonly defaultClassName: string;
  readonly preemptibleClassName: string;

  constructor(scope: Construct, id: string, props: TrainingPriorityClassesProps = {}) {
    super(scope, id);
    const prefix = props.namePrefix ?? "training";
    if (!/^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/.test(prefix)) {
      throw new ConstructPropsError(`${this.node.path}: namePrefix "${prefix}" must be 1-42 lowercase letters, digits and inner hyphens`);
    }
    this.criticalClassName = this.priorityClass(
      `${prefix}-critical`,
      100000,
      "Training that must run now; preempts default and preemptible training.",
    );
    this.defaultClassName = this.priorityClass(`${prefix}-default`, 10000, "Ordinary training, and every pod that names no class; preempts preemptible training.", "PreemptLowerPriority", true);
    this.preemptibleClassName = this.priorityClass(
      `${prefix}-preemptible`,
      1000,
      "Opportunistic training: waits for free capacity, never preempts, is preempted first.",
      "Never",
    );
  }

  private priorityClass(name: string, value: number, description: string, preemptionPolicy = "PreemptLowerPriority", globalDefault = false): string {
    new PriorityClassV1(this, name, { metadata: { name }, value, description, globalDefault, preemptionPolicy });
    return name;
  }
}
