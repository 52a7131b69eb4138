"use client";
// xterm.js touches the DOM at import: load the player in the browser only.
import dynamic from "next/dynamic";

const RecordingPlayer = dynamic(() => import("./recording-player").then((m) => m.RecordingPlayer), { ssr: false });

export function RecordingPlayerLoader({ cast }: { cast: string }) {
  return <RecordingPlayer cast={cast} />;
}
