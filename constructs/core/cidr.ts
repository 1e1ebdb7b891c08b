import { ConstructPropsError } from "./errors";
/** IPv4 CIDR arithmetic done at synth time, so subnet ranges appear as literals in plans and reviews. */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefixLength: number;
}

/** Dotted quad without leading zeros (which some tools read as octal) and a prefix length. */
const CIDR_PATTERN = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined when malformed or when host bits are set. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const match = CIDR_PATTERN.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((o) => o > 255) || prefixLength > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const network = address - (address % blockSize(prefixLength));
  return network === address ? { network, prefixLength } : undefined;
}

export function formatCidr(cidr: Ipv4Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.network / 2 ** shift) % 256);
  return `${octets.join(".")}/${cidr.prefixLength}`;
}

/** Same as Terraform's cidrsubnet(prefix, newbits, netnum). */
export function cidrSubnet(parent: Ipv4Cidr, newBits: number, netNum: number): Ipv4Cidr {
  const prefixLength = parent.prefixLength + newBits;
  if (prefixLength > 32 || netNum < 0 || netNum >= 2 ** newBits) {
    throw new ConstructPropsError(`cidrSubnet: ${formatCidr(parent)} has no subnet ${netNum} with ${newBits} new bits`);
  }
  return { network: parent.network + netNum * blockSize(prefixLength), prefixLength };
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  const aEnd = a.network + blockSize(a.prefixLength);
  const bEnd = b.network + blockSize(b.prefixLength);
  return a.network < bEnd && b.network < aEnd;
}

function blockSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

/** How many addresses the ranges cover together, overlaps counted once. */
export function addressesCovered(ranges: readonly Ipv4Cidr[]): number {
  const spans = ranges.map((r) => [r.network, r.network + blockSize(r.prefixLength)] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -1;
  for (const [start, stop] of spans) {
    if (stop <= end) continue;
    total += stop - Math.max(start, end);
    end = stop;
  }
  return total;
}
