import fc from "fast-check";
import { resourceName } from "../../constructs/core/naming";

describe("resourceName", () => {
  it("joins parts in lowercase with only letters, digits and the separator", () => {
    expect(resourceName(["mlops", "Prod", "Feature Store!"], { maxLength: 63 })).toBe("mlops-prod-feature-store");
    expect(resourceName(["mlops", "prod", "features"], { maxLength: 63, separator: "_" })).toBe("mlops_prod_features");
  });

  it("cuts a long name to the limit and ends it with a hash of the whole name", () => {
    const a = resourceName(["mlops-prod", "a-very-long-component-name-for-the-training-cluster-role"], { maxLength: 32 });
    const b = resourceName(["mlops-prod", "a-very-long-component-name-for-the-training-cluster-policy"], { maxLength: 32 });
    expect(a).toHaveLength(32);
    expect(a).toMatch(/^mlops-prod-a-very-long-co-[0-9a-f]{6}$/);
    expect(a).not.toBe(b);
  });

  it("refuses a limit too short to hold the hash and an empty result", () => {
    expect(() => resourceName(["x"], { maxLength: 4 })).toThrow(/maxLength 4 is too short/);
    expect(() => resourceName(["--", "!!"], { maxLength: 10 })).toThrow(/empty name/);
  });

  it("is deterministic, within the limit and in the allowed alphabet for any input", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 8, max: 80 }), (parts, maxLength) => {
        fc.pre(parts.some((p) => /[a-zA-Z0-9]/.test(p)));
        const name = resourceName(parts, { maxLength });
        expect(name.length).toBeLessThanOrEqual(maxLength);
        expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(resourceName(parts, { maxLength })).toBe(name);
      }),
    );
  });
});
