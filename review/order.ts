/**
 * The order a reviewer reads environments and stacks in. Synth output keeps no deployment order (the
 * manifest sorts stack ids), so environments go by their usual promotion path, read from their names:
 * development-like first, then staging-like, then production-like; alphabetical within each.
 * Stacks of an environment go in dependency order (the order `cdktf deploy` applies them).
 */

/** The environment of a stack: its id up to the first `-` (contract: stack ids are `<env>-<layer>`). */
export function environmentOf(stackId: string): string {
  const dash = stackId.indexOf("-");
  return dash > 0 ? stackId.slice(0, dash) : stackId;
}

function environmentRank(name: string): number {
  if (/(^|[^a-z])(preprod|pre-prod|staging|stage|stg|uat)/i.test(name)) return 1;
  if (/prod/i.test(name)) return 2;
  return 0;
}

/** Environment names in promotion order (e.g. dev, staging, prod). */
export function orderEnvironments(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => environmentRank(a) - environmentRank(b) || a.localeCompare(b));
}

/**
 * Stack ids grouped by environment in promotion order; within one, dependencies first (ties alphabetical).
 * `dependencies` maps a stack id to the ids it depends on (from the manifest); unknown ids are ignored.
 */
export function orderStacks(ids: Iterable<string>, dependencies: ReadonlyMap<string, readonly string[]> = new Map()): string[] {
  const all = [...new Set(ids)];
  const ordered: string[] = [];
  for (const env of orderEnvironments(all.map(environmentOf))) {
    const pending = new Set(all.filter((id) => environmentOf(id) === env).sort());
    while (pending.size > 0) {
      const ready = [...pending].find((id) => !(dependencies.get(id) ?? []).some((dep) => pending.has(dep) && dep !== id));
      // A dependency cycle cannot be synthesized; should one appear anyway, fall back to alphabetical.
      const next = ready ?? [...pending][0];
      ordered.push(next);
      pending.delete(next);
    }
  }
  return ordered;
}
