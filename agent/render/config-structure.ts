// Minimal readers for the three config languages, just enough to read rendered text back as a
// tree: which blocks sit at top level and which directives appear. Tests use them to prove that
// nothing a spec contains can add a directive or block outside the app's own one.
export type ConfigNode = { name: string; args: string[]; children: ConfigNode[] | null };

type Token = { kind: "word" | "string" | "punct"; text: string };

function tokenize(text: string, punct: RegExp): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) i++;
    else if (c === "#") while (i < text.length && text[i] !== "\n") i++;
    else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new Error("unterminated string");
      const body = text.slice(i + 1, end);
      if (body.includes("\n")) throw new Error("newline inside a string");
      tokens.push({ kind: "string", text: body });
      i = end + 1;
    } else {
      const m = punct.exec(text.slice(i));
      if (m && m.index === 0) {
        tokens.push({ kind: "punct", text: m[0] });
        i += m[0].length;
      } else {
        let j = i;
        while (j < text.length && !/[\s"#]/.test(text[j]) && !(punct.exec(text.slice(j))?.index === 0)) j++;
        tokens.push({ kind: "word", text: text.slice(i, j) });
        i = j;
      }
    }
  }
  return tokens;
}

/** nginx: `name args;` and `name args { ... }`. */
export function readNginx(text: string): ConfigNode[] {
  const tokens = tokenize(text, /^[{};]/);
  let pos = 0;
  const block = (nested: boolean): ConfigNode[] => {
    const nodes: ConfigNode[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos];
      if (t.kind === "punct" && t.text === "}") {
        if (!nested) throw new Error("unbalanced }");
        pos++;
        return nodes;
      }
      if (t.kind === "punct") throw new Error(`unexpected ${t.text}`);
      const name = t.text;
      const args: string[] = [];
      pos++;
      while (pos < tokens.length && tokens[pos].kind !== "punct") args.push(tokens[pos++].text);
      const end = tokens[pos++];
      if (!end) throw new Error(`statement ${name} not terminated`);
      if (end.text === ";") nodes.push({ name, args, children: null });
      else if (end.text === "{") nodes.push({ name, args, children: block(true) });
      else throw new Error(`unexpected ${end.text} after ${name}`);
    }
    if (nested) throw new Error("missing }");
    return nodes;
  };
  return block(false);
}

/** lighttpd: conditions `$X["k"] op "v" { ... }` and assignments `key = value` / `key += value`. */
export function readLighttpd(text: string): ConfigNode[] {
  const tokens = tokenize(text, /^(?:=>|\+=|==|=~|!~|!=|=|[{}(),])/);
  let pos = 0;
  const block = (nested: boolean): ConfigNode[] => {
    const nodes: ConfigNode[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos];
      if (t.kind === "punct" && t.text === "}") {
        if (!nested) throw new Error("unbalanced }");
        pos++;
        return nodes;
      }
      if (t.kind !== "word") throw new Error(`unexpected ${t.text}`);
      if (t.text.startsWith("$")) {
        const args: string[] = [];
        pos++;
        while (pos < tokens.length && !(tokens[pos].kind === "punct" && tokens[pos].text === "{")) args.push(tokens[pos++].text);
        if (pos >= tokens.length) throw new Error("condition without block");
        pos++;
        nodes.push({ name: t.text, args, children: block(true) });
        continue;
      }
      const op = tokens[pos + 1];
      if (op?.kind !== "punct" || (op.text !== "=" && op.text !== "+=")) throw new Error(`expected = after ${t.text}`);
      pos += 2;
      // A value is one scalar or one parenthesised (possibly nested) list.
      const args: string[] = [];
      let depth = 0;
      do {
        const v = tokens[pos++];
        if (!v) throw new Error(`value of ${t.text} not terminated`);
        if (v.text === "(" && v.kind === "punct") depth++;
        if (v.text === ")" && v.kind === "punct") depth--;
        if (v.kind === "punct" && (v.text === "{" || v.text === "}")) throw new Error(`brace inside value of ${t.text}`);
        args.push(v.text);
      } while (depth > 0);
      nodes.push({ name: t.text, args, children: null });
    }
    if (nested) throw new Error("missing }");
    return nodes;
  };
  return block(false);
}

/** Apache: one directive per line, `<Section args>` ... `</Section>`. */
export function readApache(text: string): ConfigNode[] {
  const root: ConfigNode[] = [];
  const stack: ConfigNode[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const close = /^<\/([A-Za-z]+)>$/.exec(line);
    if (close) {
      const open = stack.pop();
      if (!open || open.name !== close[1]) throw new Error(`unbalanced </${close[1]}>`);
      continue;
    }
    const section = /^<([A-Za-z]+)(\s[^<>]*)?>$/.exec(line);
    const words = tokenize(section ? (section[2] ?? "") : line, /^$^/).map((t) => t.text);
    const node: ConfigNode = section ? { name: section[1], args: words, children: [] } : { name: words[0] ?? "", args: words.slice(1), children: null };
    if (!section && /[<>]/.test(node.name)) throw new Error(`stray section marker: ${line}`);
    (stack.at(-1)?.children ?? root).push(node);
    if (section) stack.push(node);
  }
  if (stack.length) throw new Error(`unclosed <${stack.at(-1)?.name}>`);
  return root;
}

/** Every directive/assignment name in the tree, depth first. */
export function directiveNames(nodes: ConfigNode[]): string[] {
  return nodes.flatMap((n) => [n.name, ...(n.children ? directiveNames(n.children) : [])]);
}
