// The rule form's channel checkboxes. "Add a channel first" only once the channels have loaded and
// there are none: while they load it says so (it flashed the empty state on every visit, issue 19).
import Link from "next/link";
import type { ListState, Named } from "./alerts-kit";

export function ChannelChoices({ channels, state }: { channels: Named[]; state: ListState }) {
  return (
    <div className="mt-0.5 flex flex-wrap gap-x-3 gap-y-1 text-sm text-ink" aria-busy={state === "loading"}>
      {state === "loading" && <span className="text-muted">Loading channels…</span>}
      {state === "failed" && <span className="text-red-700 dark:text-red-400">Channels could not be loaded.</span>}
      {state === "ready" && channels.length === 0 && (
        <span className="text-muted">
          No channels yet.{" "}
          <Link href="/alerts/channels" className="text-accent underline-offset-2 hover:underline">
            Add a channel first.
          </Link>
        </span>
      )}
      {channels.map((c) => (
        <label key={c.id} className="inline-flex items-center gap-1">
          <input type="checkbox" name="channelIds" value={c.id} /> {c.name}
        </label>
      ))}
    </div>
  );
}
