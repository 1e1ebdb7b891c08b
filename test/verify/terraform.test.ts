import * as fs from "fs";
import * as path from "path";
import { VerifyError } from "../../verify/errors";
import { mirrorProviders, providerAddress, writeMirrorConfig } from "../../verify/terraform";
import { removeTempDirs, tempDir } from "../review/fixtures/synth-dirs";

afterAll(removeTempDirs);

function mirror(files: string[]): string {
  const dir = tempDir("mlops-mirror-");
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    if (!file.endsWith("/")) fs.writeFileSync(path.join(dir, file), "");
  }
  return dir;
}

describe("provider mirror", () => {
  it("reads both of Terraform's mirror layouts", () => {
    const dir = mirror([
      "registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/terraform-provider-aws_v5.100.0_x5",
      "registry.terraform.io/hashicorp/kubernetes/terraform-provider-kubernetes_2.38.0_linux_amd64.zip",
      "registry.terraform.io/hashicorp/kubernetes/terraform-provider-kubernetes_2.38.0_darwin_arm64.zip",
    ]);
    expect(mirrorProviders(dir)).toEqual(new Map([["hashicorp/aws", ["5.100.0"]], ["hashicorp/kubernetes", ["2.38.0"]]]));
  });

  it("says which folder to name when given the wrong one", () => {
    const dir = mirror(["registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/"]);
    expect(() => mirrorProviders(path.join(dir, "registry.terraform.io"))).toThrow(VerifyError);
    expect(() => mirrorProviders(path.join(dir, "registry.terraform.io"))).toThrow("; name the folder above registry.terraform.io");
    expect(() => mirrorProviders(path.join(dir, "nothing"))).toThrow(/has no registry.terraform.io folder$/);
  });

  it("writes a CLI configuration that installs from the mirror only", () => {
    const file = path.join(tempDir(), "terraformrc");
    writeMirrorConfig(file, "/opt/my mirror");
    expect(fs.readFileSync(file, "utf8")).toBe('provider_installation {\n  filesystem_mirror {\n    path = "/opt/my mirror"\n  }\n}\n');
  });

  it.each([
    ["aws", "hashicorp/aws"],
    ["hashicorp/kubernetes", "hashicorp/kubernetes"],
    ["registry.terraform.io/hashicorp/helm", "hashicorp/helm"],
  ])("reads the provider source %s as %s", (source, address) => {
    expect(providerAddress(source)).toBe(address);
  });
});
