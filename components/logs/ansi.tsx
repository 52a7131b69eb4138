// Renders ANSI SGR colours (the 16 basic ones, bold) of a log line as spans; strips other escapes.
import type { ReactNode } from "react";

const COLORS = ["#000", "#c33", "#3a3", "#b80", "#36c", "#a3a", "#299", "#aaa"];
const BRIGHT = ["#666", "#f55", "#5d5", "#ed4", "#59f", "#d5d", "#5dd", "#fff"];
const ESCAPE = /\u001b\[([0-9;]*)([A-Za-z])/g;

export function Ansi({ text }: { text: string }): ReactNode {
  if (!text.includes("\u001b")) return text;
  const out: ReactNode[] = [];
  let color: string | undefined;
  let bold = false;
  let last = 0;
  for (const m of text.matchAll(ESCAPE)) {
    if (m.index > last) out.push(<span key={last} style={{ color, fontWeight: bold ? 600 : undefined }}>{text.slice(last, m.index)}</span>);
    last = m.index + m[0].length;
    if (m[2] !== "m") continue;
    for (const code of (m[1] || "0").split(";").map(Number)) {
      if (code === 0) [color, bold] = [undefined, false];
      else if (code === 1) bold = true;
      else if (code >= 30 && code <= 37) color = COLORS[code - 30];
      else if (code >= 90 && code <= 97) color = BRIGHT[code - 90];
      else if (code === 39) color = undefined;
    }
  }
  if (last < text.length) out.push(<span key={last} style={{ color, fontWeight: bold ? 600 : undefined }}>{text.slice(last)}</span>);
  return out;
}
