// The file of `stoker export` / `plan` / `apply`: `apps:` (YAML) or `{"apps": [...]}` (JSON), each
// item a spec exactly as POST /api/v1/apps takes it. Reading checks every spec with the API's own
// schema and names the line and field of each problem, so a bad file is refused before any change.
import { Document, isNode, LineCounter, parse, parseDocument, visit, YAMLSeq } from "yaml";
import { type AppSpec, AppSpecSchema, fieldErrors } from "../lib/protocol";

/** Larger than any real fleet's file (a spec is ~1 KB), small enough to parse without a second thought. */
export const MAX_SPEC_FILE_BYTES = 4 * 1024 * 1024;
const MAX_ALIASES = 100; // a YAML alias bomb expands exponentially; real files need none

export type FileProblem = { line: number | null; field: string; message: string };
export type SpecFile = { ok: true; apps: AppSpec[] } | { ok: false; problems: FileProblem[] };

/** `hostIds`: the enrolled hosts; an app on any other host is a problem at its hostId line. */
export function readSpecText(text: string, hostIds?: ReadonlySet<string>): SpecFile {
  if (Buffer.byteLength(text) > MAX_SPEC_FILE_BYTES) {
    return { ok: false, problems: [{ line: null, field: "(file)", message: `The file is larger than ${MAX_SPEC_FILE_BYTES / 1024 / 1024} MiB.` }] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    return { ok: false, problems: doc.errors.map((e) => ({ line: lines.linePos(e.pos[0]).line, field: "(syntax)", message: e.message.split("\n")[0] })) };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    return { ok: false, problems: [{ line: null, field: "(file)", message: e instanceof Error ? e.message : String(e) }] };
  }
  const list = (data as { apps?: unknown } | null)?.apps;
  if (typeof data !== "object" || data === null || Array.isArray(data) || !Array.isArray(list)) {
    return { ok: false, problems: [{ line: 1, field: "apps", message: "The file must hold an `apps:` list (as `stoker export` writes it)." }] };
  }
  const extra = Object.keys(data).filter((k) => k !== "apps");
  const problems: FileProblem[] = extra.map((k) => ({ line: lineOf(doc, lines, [k]), field: k, message: `Unknown top-level field: ${k} (only apps).` }));

  // Locate a field: the node at the path, or its nearest existing parent (a missing field).
  const locate = (path: (string | number)[]): number | null => {
    for (let n = path.length; n > 0; n--) {
      const line = lineOf(doc, lines, path.slice(0, n));
      if (line !== null) return line;
    }
    return null;
  };
  const apps: AppSpec[] = [];
  const seen = new Map<string, number>();
  list.forEach((item: unknown, i: number) => {
    const label = `apps[${i}]${typeof (item as { name?: unknown })?.name === "string" ? ` (${(item as { name: string }).name})` : ""}`;
    const parsed = AppSpecSchema.safeParse(item);
    if (!parsed.success) {
      const named = fieldErrors(parsed.error);
      parsed.error.issues.forEach((issue, k) => {
        const at = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
        problems.push({ line: locate(["apps", i, ...at.map((p) => (typeof p === "symbol" ? String(p) : p))]), field: `${label} ${named[k].path}`, message: named[k].message });
      });
      return;
    }
    if (hostIds && !hostIds.has(parsed.data.hostId)) {
      problems.push({ line: locate(["apps", i, "hostId"]), field: `${label} hostId`, message: `No enrolled host has the id "${parsed.data.hostId}" (see \`stoker hosts --json\`).` });
      return;
    }
    const key = `${parsed.data.hostId}\u0000${parsed.data.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({ line: locate(["apps", i, "name"]), field: `${label} name`, message: `The same app (host and name) is already apps[${first}].` });
      return;
    }
    seen.set(key, i);
    apps.push(parsed.data);
  });
  return problems.length ? { ok: false, problems } : { ok: true, apps };
}

function lineOf(doc: Document, lines: LineCounter, path: (string | number)[]): number | null {
  const node = doc.getIn(path, true);
  return isNode(node) && node.range ? lines.linePos(node.range[0]).line : null;
}

export function formatProblems(file: string, problems: FileProblem[]): string {
  const shown = problems.slice(0, 50).map((p) => `  ${file}${p.line !== null ? `:${p.line}` : ""}: ${p.field}: ${p.message}`);
  const more = problems.length > 50 ? `\n  … and ${problems.length - 50} more` : "";
  return `${file} is not a valid app file; nothing was changed.\n${shown.join("\n")}${more}`;
}

/** The export: specs in a stable order (host, then name), YAML with each app's host name beside it. */
export function writeSpecText(apps: { spec: AppSpec; hostName: string }[], format: "yaml" | "json", header: string): string {
  const sorted = [...apps].sort((a, b) => a.hostName.localeCompare(b.hostName) || a.spec.name.localeCompare(b.spec.name));
  if (format === "json") return `${JSON.stringify({ apps: sorted.map((a) => a.spec) }, null, 2)}\n`;
  const doc = new Document({ apps: sorted.map((a) => a.spec) });
  doc.commentBefore = header;
  const seq = doc.get("apps", true);
  if (seq instanceof YAMLSeq) {
    seq.items.forEach((item, i) => {
      if (isNode(item)) item.commentBefore = ` host: ${sorted[i].hostName}`;
    });
  }
  // A string another YAML reader would take for something else (PyYAML, YAML 1.1: yes, on, 2001-12-14)
  // is quoted, so the file means the same to every tool that reads it.
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && !readsAsString(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  return doc.toString({ lineWidth: 0 });
}

function readsAsString(text: string): boolean {
  return (["1.1", "1.2"] as const).every((version) => {
    try {
      return parse(text, { version }) === text;
    } catch {
      return false;
    }
  });
}
