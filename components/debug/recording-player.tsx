"use client";
// Replays an asciicast v2 recording in xterm.js with its original timing (or all at once).
import { Terminal as XTerm } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "react";
import { Button } from "../ui/button";

type Event = [number, string, string];

function parse(cast: string): { width: number; height: number; events: Event[] } {
  const [head, ...lines] = cast.split("\n").filter(Boolean);
  const header = JSON.parse(head) as { width: number; height: number };
  return { width: header.width, height: header.height, events: lines.map((l) => JSON.parse(l) as Event) };
}

export function RecordingPlayer({ cast }: { cast: string }) {
  const box = useRef<HTMLDivElement>(null);
  const term = useRef<XTerm | null>(null);
  const timers = useRef<NodeJS.Timeout[]>([]);
  const [rec] = useState(() => parse(cast));
  const [playing, setPlaying] = useState(false);

  useEffect(() => {
    const t = new XTerm({ cols: rec.width, rows: rec.height, fontSize: 13, disableStdin: true, theme: { background: "#0f1115" } });
    t.open(box.current!);
    term.current = t;
    for (const [, kind, data] of rec.events) if (kind === "o") t.write(data); // show the whole session at once first
    return () => t.dispose();
  }, [rec]);

  const play = () => {
    for (const id of timers.current) clearTimeout(id);
    term.current?.reset();
    setPlaying(true);
    timers.current = rec.events.map(([at, kind, data], i) =>
      setTimeout(() => {
        if (kind === "o") term.current?.write(data);
        if (i === rec.events.length - 1) setPlaying(false);
      }, Math.min(at, 600) * 1000),
    );
  };

  return (
    <div className="space-y-2">
      <Button size="sm" onClick={play} disabled={playing}>
        {playing ? "Playing…" : "Play with timing"}
      </Button>
      <div ref={box} className="overflow-auto rounded-lg border border-line bg-[#0f1115] p-2" data-testid="player" />
      <details className="text-xs">
        <summary className="cursor-pointer text-muted">Typed input ({rec.events.filter((e) => e[1] === "i").length} events)</summary>
        <pre className="mt-1 max-h-60 overflow-auto whitespace-pre-wrap rounded bg-surface p-2" data-testid="recorded-input">
          {rec.events.filter((e) => e[1] === "i").map((e) => e[2]).join("")}
        </pre>
      </details>
    </div>
  );
}
