import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VerifyError } from "./errors";

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the Terraform CLI in `cwd`; never throws for a non-zero exit (the caller reads `code`). */
export function terraform(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("terraform", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new VerifyError("terraform is not on the PATH; install Terraform >= 1.10") : error),
    );
    child.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}

/** `hashicorp/aws` from a `required_providers` source (`aws`, `hashicorp/aws`, `registry.terraform.io/hashicorp/aws`). */
export function providerAddress(source: string): string {
  const parts = source.split("/");
  return parts.length === 1 ? `hashicorp/${parts[0]}` : parts.slice(-2).join("/");
}

/**
 * The provider versions a filesystem mirror holds (`<mirror>/registry.terraform.io/<namespace>/<type>/`),
 * in either of Terraform's layouts: unpacked (`<version>/<os>_<arch>/`) or packed (`terraform-provider-<type>_<version>_<os>_<arch>.zip`).
 */
export function mirrorProviders(mirror: string): Map<string, string[]> {
  const registry = join(mirror, "registry.terraform.io");
  if (!existsSync(registry) || !statSync(registry).isDirectory()) {
    const hint = /registry\.terraform\.io/.test(mirror) ? "; name the folder above registry.terraform.io" : "";
    throw new VerifyError(`provider mirror ${mirror}: has no registry.terraform.io folder${hint}`);
  }
  const found = new Map<string, string[]>();
  for (const namespace of readdirSync(registry)) {
    for (const type of readdirSync(join(registry, namespace))) {
      const dir = join(registry, namespace, type);
      if (!statSync(dir).isDirectory()) continue;
      const versions = readdirSync(dir).flatMap((entry) => {
        if (/^\d+\.\d+\.\d+/.test(entry) && statSync(join(dir, entry)).isDirectory()) return [entry];
        const packed = new RegExp(`^terraform-provider-${type}_(\\d+\\.\\d+\\.\\d+[^_]*)_`).exec(entry);
        return packed ? [packed[1]] : [];
      });
      if (versions.length > 0) found.set(`${namespace}/${type}`, [...new Set(versions)]);
    }
  }
  return found;
}

/** A CLI configuration that installs providers from the mirror only (no registry, no network). */
export function writeMirrorConfig(file: string, mirror: string): void {
  writeFileSync(file, `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`);
}
