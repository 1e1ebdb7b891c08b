import { Ipv4Cidr, cidrSubnet, formatCidr, parseCidr } from "../core/cidr";

/** The VPC is cut in 8 slots; private subnets take slots 0-5 (one per AZ), public subnets share slot 7. */
const SLOT_BITS = 3;
const PUBLIC_SLOT = 7;
export const MAX_ZONES = 6;

export interface SubnetPlan {
  readonly availabilityZone: string;
  readonly privateCidr: string;
  readonly publicCidr: string;
}

/**
 * Private subnets are large (workloads, training nodes, endpoints); public subnets are small
 * (NAT gateways and load balancers only). Slot 6 is kept free for a later isolated tier.
 */
export function planSubnets(vpcCidr: string, availabilityZones: readonly string[]): SubnetPlan[] {
  const vpc = parseCidr(vpcCidr) as Ipv4Cidr;
  const publicSlot = cidrSubnet(vpc, SLOT_BITS, PUBLIC_SLOT);
  return availabilityZones.map((availabilityZone, i) => ({
    availabilityZone,
    privateCidr: formatCidr(cidrSubnet(vpc, SLOT_BITS, i)),
    publicCidr: formatCidr(cidrSubnet(publicSlot, SLOT_BITS, i)),
  }));
}
