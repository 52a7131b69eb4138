"use client";
// Picks a script on the host: the agent lists each directory as the app's user can read it
// (GET /hosts/{id}/browse), so what can be picked is what the app can run.
import { File, FileCode, Folder, FolderUp } from "lucide-react";
import { useCallback, useEffect, useState } from "react";
import type { BrowseResult } from "@/lib/protocol/guided-messages";
import { api } from "../../api-client";

type Props = { hostId: string; user: string; start: string; onPick: (path: string) => void };

export function FileBrowser({ hostId, user, start, onPick }: Props) {
  const [dir, setDir] = useState(start || "/");
  const [listing, setListing] = useState<BrowseResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    async (path: string) => {
      const r = await api<BrowseResult>(`/hosts/${hostId}/browse?${new URLSearchParams({ path, user })}`);
      if (r.ok) {
        setListing(r.value);
        setError(null);
      } else setError(r.error.message);
    },
    [hostId, user],
  );
  useEffect(() => void load(dir), [dir, load]);
  const join = (name: string) => `${listing?.path === "/" ? "" : listing?.path}/${name}`;
  return (
    <div className="rounded-md border border-line bg-surface" data-testid="file-browser">
      <div className="flex items-center gap-2 border-b border-line px-2 py-1 text-xs">
        <span className="font-mono">{listing?.path ?? dir}</span>
        <span className="ml-auto text-muted">as {user}</span>
      </div>
      {error && <p className="px-2 py-1 text-xs text-red-600">{error}</p>}
      <ul className="max-h-48 overflow-y-auto text-xs">
        {listing?.parent && (
          <li>
            <button type="button" className="flex w-full items-center gap-1.5 px-2 py-1 text-left hover:bg-panel" onClick={() => setDir(listing.parent ?? "/")}>
              <FolderUp className="size-3.5" aria-hidden /> ..
            </button>
          </li>
        )}
        {listing?.entries.map((e) => (
          <li key={e.name}>
            <button
              type="button"
              className="flex w-full items-center gap-1.5 px-2 py-1 text-left font-mono hover:bg-panel"
              onClick={() => (e.kind === "dir" ? setDir(join(e.name)) : onPick(join(e.name)))}
            >
              {e.kind === "dir" ? <Folder className="size-3.5 text-accent" aria-hidden /> : e.executable ? <FileCode className="size-3.5" aria-hidden /> : <File className="size-3.5 text-muted" aria-hidden />}
              {e.name}
              {e.kind === "dir" ? "/" : ""}
            </button>
          </li>
        ))}
        {listing?.truncated && <li className="px-2 py-1 text-muted">… more entries than shown: type the path instead</li>}
      </ul>
    </div>
  );
}
