"use client";
// A live debug terminal: xterm.js in the browser, bytes relayed over /ws/ui to the agent's pty.
// Re-attaches after a reconnect; resize follows the element; the session ends with one click.
import { FitAddon } from "@xterm/addon-fit";
import { Terminal as XTerm } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "react";
import { live } from "../live/live-client";
import { useLiveEvents, useLiveState } from "../live/use-live";
import { Button } from "../ui/button";

export function Terminal({ sessionId, user, onEnded }: { sessionId: string; user: string; onEnded: (reason: string) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const term = useRef<XTerm | null>(null);
  const [ended, setEnded] = useState<string | null>(null);
  const state = useLiveState();

  useEffect(() => {
    const t = new XTerm({ cursorBlink: true, fontSize: 13, fontFamily: "ui-monospace, Menlo, monospace", convertEol: false, theme: { background: "#0f1115" } });
    const fit = new FitAddon();
    t.loadAddon(fit);
    t.open(box.current!);
    fit.fit();
    term.current = t;
    const input = t.onData((data) => live.send({ type: "pty.input", sessionId, data }));
    const resize = t.onResize(({ cols, rows }) => live.send({ type: "pty.resize", sessionId, cols, rows }));
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(box.current!);
    t.focus();
    return () => {
      input.dispose();
      resize.dispose();
      observer.disconnect();
      t.dispose();
    };
  }, [sessionId]);

  // (Re-)attach whenever the live socket (re)connects: output resumes on the new socket.
  useEffect(() => {
    if (state === "live") live.send({ type: "pty.attach", sessionId });
  }, [state, sessionId]);

  useLiveEvents((e) => {
    if (e.type === "pty.output" && e.sessionId === sessionId) term.current?.write(e.data);
    if (e.type === "pty.exit" && e.sessionId === sessionId) {
      const reason = e.reason ?? "exit";
      setEnded(reason);
      term.current?.write(`\r\n\x1b[33m[session ended: ${reason}]\x1b[0m\r\n`);
      onEnded(reason);
    }
  });

  return (
    <div className="space-y-2">
      <div className="flex items-center justify-between text-xs text-muted">
        <span>
          Terminal as <b className="text-ink">{user}</b> · recorded (input and output) · ends after 15 min idle or 2 h
        </span>
        {!ended && (
          <Button size="sm" variant="danger" onClick={() => live.send({ type: "pty.close", sessionId })}>
            End session
          </Button>
        )}
      </div>
      <div ref={box} className="h-96 overflow-hidden rounded-lg border border-line bg-[#0f1115] p-2" data-testid="terminal" />
    </div>
  );
}
