/**
 * What the blueprint needs to know about SageMaker hosting instance types, from their names
 * (`ml.<family>.<size>`, e.g. `ml.g5.2xlarge`).
 */

/** SageMaker hosting instance types: `ml.<family>.<size>`; families may hold a hyphen (`ml.p6-b200.48xlarge`). */
export const INSTANCE_TYPE = /^ml\.[a-z0-9]+(?:-[a-z0-9]+)?\.[a-z0-9]+$/;

/**
 * Families with local NVMe instance storage that do not say so with a "d" in their name (EC2 names
 * instance-store families with "d": m5d, c5d, r5d, g4dn, p3dn, p4d, p4de, ...). SageMaker documents
 * p4d, g4dn and g5 as NVMe families; the others are their successors with instance storage in EC2.
 */
const NVME_FAMILIES_WITHOUT_D: ReadonlySet<string> = new Set(["g5", "g6", "g6e", "gr6", "p5", "p5e", "p5en", "trn1", "trn1n", "trn2", "dl1"]);

function family(instanceType: string): string {
  return instanceType.split(".")[1] ?? "";
}

/**
 * Whether the type has local instance storage. CreateEndpointConfig fails when KmsKeyId is set and a
 * variant runs on such a type: its NVMe volumes are encrypted by a hardware module on the instance, not with KMS.
 */
export function hasInstanceStorage(instanceType: string): boolean {
  const name = family(instanceType).split("-")[0];
  return NVME_FAMILIES_WITHOUT_D.has(name) || /^[a-z]+\d+[a-z]*d[a-z]*$/.test(name);
}

/** Whether the type has GPUs (the G and P families), so that a GPUUtilization alarm can ever see data. */
export function hasGpus(instanceType: string): boolean {
  return /^(g|gr|p)\d/.test(family(instanceType));
}
