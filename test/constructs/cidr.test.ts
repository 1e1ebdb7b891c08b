import { cidrSubnet, cidrsOverlap, formatCidr, parseCidr } from "../../constructs/core/cidr";

describe("CIDR arithmetic", () => {
  it("parses and formats a network", () => {
    expect(formatCidr(parseCidr("10.30.0.0/16")!)).toBe("10.30.0.0/16");
  });

  it.each(["10.0.0.1/16", "10.0.0.0/33", "256.0.0.0/8", "10.0.0/16", "10.0.0.0"])("refuses %s", (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it("computes subnets as Terraform's cidrsubnet does", () => {
    const vpc = parseCidr("10.30.0.0/16")!;
    expect(formatCidr(cidrSubnet(vpc, 3, 0))).toBe("10.30.0.0/19");
    expect(formatCidr(cidrSubnet(vpc, 3, 7))).toBe("10.30.224.0/19");
    expect(formatCidr(cidrSubnet(cidrSubnet(vpc, 3, 7), 3, 2))).toBe("10.30.232.0/22");
    expect(() => cidrSubnet(vpc, 3, 8)).toThrow(/has no subnet 8/);
  });

  it("detects overlap", () => {
    expect(cidrsOverlap(parseCidr("10.0.0.0/16")!, parseCidr("10.0.128.0/17")!)).toBe(true);
    expect(cidrsOverlap(parseCidr("10.0.0.0/16")!, parseCidr("10.1.0.0/16")!)).toBe(false);
  });
});
