import { NEWER_AWS_ATTRIBUTES, attributesMissingIn, compareVersions } from "../../verify/provider-compat";

describe("provider versions", () => {
  it.each([
    ["5.100.0", "6.9.0", -1],
    ["6.9.0", "6.25.0", -1],
    ["6.25.0", "6.25.0", 0],
    ["6.25.1", "6.25.0", 1],
    ["7.0.0-beta1", "6.99.0", 1],
    ["6.10", "6.9.0", 1],
  ])("compares %s with %s", (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected || 0);
  });

  it("lists what an older provider lacks, by the version that added it", () => {
    expect(attributesMissingIn("5.100.0").map((a) => a.attribute)).toEqual(["deletion_protection", "deletion_protection_enabled"]);
    expect(attributesMissingIn("6.9.0").map((a) => `${a.resourceType}.${a.attribute}`)).toEqual(["aws_cloudwatch_log_group.deletion_protection_enabled"]);
    expect(attributesMissingIn("6.25.0")).toEqual([]);
  });

  it("lists each attribute once, with a release version", () => {
    const keys = NEWER_AWS_ATTRIBUTES.map((a) => `${a.resourceType}.${a.attribute}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const a of NEWER_AWS_ATTRIBUTES) expect(a.addedIn).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
