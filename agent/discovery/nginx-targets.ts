// nginx: every `fastcgi_pass` with its server's listen and server_name, its location (the mount),
// `root` for PHP locations and a literal SCRIPT_FILENAME; upstream names are resolved to their
// first `server`. A small tokenizer (words, quotes, `{ } ;`, comments), no evaluation.
import { lineAt } from "./bounded-files";
import { mountOf, normalizeAddress, normalizeListen, type WebTarget } from "./web-target";

type Tok = { v: string; at: number };

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) i++;
    else if (c === "#") while (i < text.length && text[i] !== "\n") i++;
    else if (c === "{" || c === "}" || c === ";") out.push({ v: c, at: i++ });
    else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      const stop = end < 0 ? text.length : end;
      out.push({ v: text.slice(i + 1, stop), at: i });
      i = stop + 1;
    } else {
      const start = i;
      while (i < text.length && !/[\s{};]/.test(text[i])) i++;
      out.push({ v: text.slice(start, i), at: start });
    }
  }
  return out;
}

/** One block: what it declares itself (inherited values are looked up the chain at the end). */
type Block = { kind: string; location: string | null; listen: string | null; names: string[] | null; root: string | null; params: Record<string, string> };
type Pass = { chain: Block[]; address: string; at: number };

function lookup<T>(chain: Block[], get: (b: Block) => T | null): T | null {
  for (let i = chain.length - 1; i >= 0; i--) {
    const v = get(chain[i]);
    if (v !== null) return v;
  }
  return null;
}

export function nginxTargets(file: string, text: string): WebTarget[] {
  const toks = tokenize(text);
  const upstreams = new Map<string, string>();
  for (let i = 0; i + 2 < toks.length; i++) {
    if (toks[i].v !== "upstream" || toks[i + 2].v !== "{") continue;
    for (let j = i + 3; j + 1 < toks.length && toks[j].v !== "}"; j++) {
      if (toks[j].v === "server" && !upstreams.has(toks[i + 1].v)) upstreams.set(toks[i + 1].v, toks[j + 1].v);
    }
  }
  const stack: Block[] = [{ kind: "main", location: null, listen: null, names: null, root: null, params: {} }];
  const passes: Pass[] = [];
  let stmt: Tok[] = [];
  for (const t of toks) {
    const top = stack[stack.length - 1];
    if (t.v === "{") {
      const head = stmt.map((s) => s.v);
      stack.push({ kind: head[0] ?? "", location: head[0] === "location" ? (head[head.length - 1] ?? null) : null, listen: null, names: null, root: null, params: {} });
      stmt = [];
    } else if (t.v === "}") {
      if (stack.length > 1) stack.pop();
      stmt = [];
    } else if (t.v !== ";") stmt.push(t);
    else {
      const [d, ...args] = stmt.map((s) => s.v);
      const at = stmt[0]?.at ?? 0;
      stmt = [];
      if (d === "listen" && args[0] && top.listen === null) top.listen = args[0];
      else if (d === "server_name") top.names = args;
      else if (d === "root" && args[0]) top.root = args[0];
      else if (d === "fastcgi_param" && args[0] && args[1] !== undefined) top.params[args[0]] = args[1];
      else if (d === "fastcgi_pass" && args[0]) {
        const address = normalizeAddress(upstreams.get(args[0]) ?? args[0]);
        if (address) passes.push({ chain: [...stack], address, at });
      }
    }
  }
  return passes.map(({ chain, address, at }) => {
    const loc = lookup(chain, (b) => b.location) ?? "/";
    const php = !loc.startsWith("/");
    const script = lookup(chain, (b) => b.params.SCRIPT_FILENAME ?? null);
    const listen = lookup(chain, (b) => b.listen);
    const names = lookup(chain, (b) => b.names) ?? [];
    const root = lookup(chain, (b) => b.root);
    return {
      server: "nginx" as const,
      address,
      mount: mountOf(loc),
      serverName: names.find((n) => /^[a-z0-9.-]+$/i.test(n))?.toLowerCase() ?? null,
      listen: listen ? normalizeListen(listen) : 80,
      documentRoot: php || (script?.includes("$document_root") ?? false) ? root : null,
      scriptFilename: script && !script.includes("$") ? script : null,
      where: `${file}:${lineAt(text, at)}`,
    };
  });
}
