// Replay of one recorded debug session (its owner and admins).
import { RecordingPlayerLoader } from "@/components/debug/recording-player-loader";
import { LocalTime } from "@/components/ui/local-time";
import { pageUser } from "@/lib/auth/page-user";
import { getRecording } from "@/lib/debug/debug-sessions";

export default async function DebugSessionPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await pageUser();
  const rec = await getRecording((await params).id, user);
  if (!rec.ok) return <p className="text-muted">{rec.message}</p>;
  return (
    <>
      <h1 className="mb-1 text-lg font-semibold">Debug session</h1>
      <p className="mb-4 text-xs text-muted">
        {rec.value.userEmail} as <b>{rec.value.asUser}</b> · <LocalTime value={rec.value.startedAt} /> → {rec.value.endedAt ? <LocalTime value={rec.value.endedAt} /> : "open"}
      </p>
      <RecordingPlayerLoader cast={rec.value.cast} />
    </>
  );
}
