"use client";
// "Send a test request": straight to the app's socket, bypassing the web server.
import { Send } from "lucide-react";
import { useState } from "react";
import type { TestResponse } from "@/lib/protocol/agent-messages";
import { api } from "../api-client";
import { Button } from "../ui/button";

export function TestRequestPanel({ appId, canOperate, defaultPath }: { appId: string; canOperate: boolean; defaultPath: string }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TestResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const [path, query = ""] = String(f.get("url") || "/").split("?", 2);
    setBusy(true);
    setError(null);
    const r = await api<TestResponse>(`/apps/${appId}/test-request`, { method: "POST", body: { method: f.get("method"), path, query, body: f.get("body") ?? "" } });
    setBusy(false);
    if (r.ok) setResult(r.value);
    else {
      setResult(null);
      setError(r.error.fields?.map((x) => `${x.path}: ${x.message}`).join(" ") || r.error.message);
    }
  };
  const input = "h-8 rounded-md border border-line bg-surface px-2 outline-none focus:border-accent";
  return (
    <div className="space-y-3">
      <form onSubmit={submit} className="flex flex-wrap items-start gap-2">
        <select name="method" aria-label="Method" className={input} defaultValue="GET">
          {["GET", "POST", "PUT", "DELETE", "HEAD"].map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
        <input name="url" aria-label="Path and query" defaultValue={defaultPath} className={`${input} w-80 font-mono`} />
        <Button type="submit" variant="primary" busy={busy} disabled={!canOperate} title={canOperate ? undefined : "Needs the operator role"}>
          <Send className="size-3.5" aria-hidden /> Send
        </Button>
        <textarea name="body" aria-label="Request body" placeholder="request body (optional)" rows={2} className="w-full rounded-md border border-line bg-surface p-2 font-mono text-xs" />
      </form>
      {error && <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-red-800 dark:bg-red-950 dark:text-red-300">{error}</p>}
      {result && (
        <div className="rounded-lg border border-line" data-testid="test-response">
          <div className="flex gap-4 border-b border-line px-3 py-1.5 text-xs">
            <span className={result.status < 400 ? "font-semibold text-emerald-600" : "font-semibold text-red-600"}>{result.status}</span>
            <span className="text-muted">{result.ms} ms</span>
          </div>
          <pre className="max-h-32 overflow-auto border-b border-line px-3 py-2 text-xs text-muted">
            {Object.entries(result.headers).map(([k, v]) => `${k}: ${v}`).join("\n")}
          </pre>
          <pre className="max-h-80 overflow-auto whitespace-pre-wrap px-3 py-2 text-xs">{result.body || "(empty body)"}</pre>
          {result.stderr && <pre className="border-t border-line bg-red-50 px-3 py-2 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">{result.stderr}</pre>}
        </div>
      )}
    </div>
  );
}
