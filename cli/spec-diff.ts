// What applying a file of app specs would do: which apps it creates, which it changes (field by
// field) and which it removes. Pure: `stoker plan` prints it, `stoker apply` carries it out.

/** An app as the control plane has it now. */
export type CurrentApp = { id: string; hostId: string; name: string; spec: Record<string, unknown> };
/** An app as the file describes it (already parsed, so defaults are filled in). */
export type WantedApp = { hostId: string; name: string; spec: Record<string, unknown> };

export type FieldChange = { path: string; before: unknown; after: unknown };
export type PlanEntry =
  | { kind: "create"; hostId: string; name: string; spec: Record<string, unknown> }
  | { kind: "change"; id: string; hostId: string; name: string; spec: Record<string, unknown>; changes: FieldChange[] }
  /** `prune: false`: the app is not in the file but is kept (apply removes it only with --prune). */
  | { kind: "remove"; id: string; hostId: string; name: string; prune: boolean };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue(a[k], b[k]));
  }
  return a === b;
}

/** The fields that differ, as dotted paths. Objects are compared key by key; arrays as a whole. */
export function fieldChanges(before: unknown, after: unknown, prefix = ""): FieldChange[] {
  if (isPlainObject(before) && isPlainObject(after) && !isSecretValue(before) && !isSecretValue(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => fieldChanges(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  return sameValue(before, after) ? [] : [{ path: prefix || "(spec)", before, after }];
}

const key = (hostId: string, name: string) => `${hostId}\u0000${name}`;

/**
 * Compares the file with what runs. Apps on hosts outside `scopeHostIds` are never removed; apps
 * inside it that the file does not name are listed as removals, carried out only when `prune`.
 */
export function planChanges(wanted: WantedApp[], current: CurrentApp[], opts: { prune: boolean; scopeHostIds: ReadonlySet<string> }): PlanEntry[] {
  const byKey = new Map(current.map((c) => [key(c.hostId, c.name), c]));
  const entries: PlanEntry[] = [];
  for (const w of wanted) {
    const have = byKey.get(key(w.hostId, w.name));
    if (!have) {
      entries.push({ kind: "create", hostId: w.hostId, name: w.name, spec: w.spec });
      continue;
    }
    const changes = fieldChanges(have.spec, w.spec);
    if (changes.length) entries.push({ kind: "change", id: have.id, hostId: w.hostId, name: w.name, spec: w.spec, changes });
  }
  const named = new Set(wanted.map((w) => key(w.hostId, w.name)));
  for (const c of current) {
    if (opts.scopeHostIds.has(c.hostId) && !named.has(key(c.hostId, c.name))) {
      entries.push({ kind: "remove", id: c.id, hostId: c.hostId, name: c.name, prune: opts.prune });
    }
  }
  return entries;
}

/** Entries apply would carry out (removals only with --prune). */
export function actionable(entries: PlanEntry[]): PlanEntry[] {
  return entries.filter((e) => e.kind !== "remove" || e.prune);
}

/** An env value that stands for a secret (`{"secret": …}`): shown as a mark, never printed. */
export function isSecretValue(v: unknown): boolean {
  return isPlainObject(v) && Object.hasOwn(v, "secret");
}

/** The read-back marker of a stored secret (`{"secret": {"set": true}}`): apply sends it, the value stays. */
function isKeptSecret(v: unknown): boolean {
  return isSecretValue(v) && isPlainObject((v as { secret: unknown }).secret);
}

/**
 * Env names of a change whose secret the file gives as a value (`{"secret": "value"}`) where one is
 * stored: the plan cannot see the stored value, only the control plane can say whether it differs.
 */
export function secretsToCompare(e: PlanEntry): string[] {
  if (e.kind !== "change") return [];
  return e.changes.filter((c) => c.path.startsWith("env.") && isKeptSecret(c.before) && isSecretValue(c.after) && !isKeptSecret(c.after)).map((c) => c.path.slice(4));
}

/**
 * The plan without the secrets the control plane found unchanged (`same`: app id → env names): the
 * file's value is the stored one, so re-applying the file is no change. An app left with no change
 * drops out of the plan.
 */
export function settleSecrets(entries: PlanEntry[], same: ReadonlyMap<string, ReadonlySet<string>>): PlanEntry[] {
  return entries.flatMap((e) => {
    const unchanged = e.kind === "change" ? same.get(e.id) : undefined;
    if (e.kind !== "change" || !unchanged) return [e];
    const changes = e.changes.filter((c) => !(c.path.startsWith("env.") && unchanged.has(c.path.slice(4))));
    return changes.length ? [{ ...e, changes }] : [];
  });
}

function show(v: unknown): string {
  if (v === undefined) return "(unset)";
  if (isSecretValue(v)) return isKeptSecret(v) ? "(secret)" : "(new secret value)";
  if (isPlainObject(v) || Array.isArray(v)) return JSON.stringify(v, (_k, x) => (isSecretValue(x) ? "(secret)" : x));
  return JSON.stringify(v);
}

/** The plan for people: one block per app, one line per changed field, and a summary line. */
export function formatPlan(entries: PlanEntry[], hostName: (id: string) => string): string {
  const lines: string[] = [];
  for (const e of entries) {
    const where = `${e.name} (host ${hostName(e.hostId)})`;
    if (e.kind === "create") lines.push(`+ create ${where}`);
    else if (e.kind === "change") {
      lines.push(`~ change ${where}`);
      for (const c of e.changes) lines.push(`    ${c.path}: ${show(c.before)} → ${show(c.after)}`);
    } else if (e.prune) lines.push(`- remove ${where}`);
    else lines.push(`  keep ${where}: not in the file (apply --prune would remove it)`);
  }
  const count = (k: PlanEntry["kind"]) => actionable(entries).filter((e) => e.kind === k).length;
  const kept = entries.length - actionable(entries).length;
  const summary = `Plan: ${count("create")} to create, ${count("change")} to change, ${count("remove")} to remove.`;
  lines.push(actionable(entries).length ? summary : `No changes: the apps match the file.${kept ? ` (${kept} not in the file, kept.)` : ""}`);
  if (actionable(entries).length && kept) lines.push(`${kept} app${kept > 1 ? "s" : ""} not in the file ${kept > 1 ? "are" : "is"} kept (--prune removes ${kept > 1 ? "them" : "it"}).`);
  return lines.join("\n");
}
