// A config file with light syntax highlighting (comments, directives, strings) and a diff view.
import { clsx } from "clsx";
import { diffLines } from "diff";

function highlight(line: string) {
  const trimmed = line.trimStart();
  if (trimmed.startsWith("#")) return <span className="text-muted italic">{line}</span>;
  const m = /^(\s*)([A-Za-z_][\w.-]*|<\/?[A-Za-z]+|\$HTTP\[[^\]]*\])(.*)$/.exec(line);
  if (!m) return line;
  return (
    <>
      {m[1]}
      <span className="font-semibold text-sky-700 dark:text-sky-400">{m[2]}</span>
      <span>{m[3]}</span>
    </>
  );
}

export function ConfigText({ text }: { text: string }) {
  return (
    <pre className="max-h-[28rem] overflow-auto rounded-lg border border-line bg-surface p-3 font-mono text-xs leading-5" data-testid="config-text">
      {text.split("\n").map((line, i) => (
        <div key={i}>{highlight(line) || " "}</div>
      ))}
    </pre>
  );
}

export function ConfigDiff({ from, to }: { from: string; to: string }) {
  const parts = diffLines(from, to);
  if (parts.every((p) => !p.added && !p.removed)) return <p className="text-xs text-muted">No difference.</p>;
  return (
    <pre className="max-h-[28rem] overflow-auto rounded-lg border border-line bg-surface p-3 font-mono text-xs leading-5" data-testid="config-diff">
      {parts.flatMap((p, i) =>
        p.value
          .replace(/\n$/, "")
          .split("\n")
          .map((line, j) => (
            <div key={`${i}-${j}`} className={clsx(p.added && "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200", p.removed && "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200")}>
              {p.added ? "+ " : p.removed ? "- " : "  "}
              {line}
            </div>
          )),
      )}
    </pre>
  );
}
