"use client";
// Hooks over the live client: the connection state, and a callback for each event.
import { useEffect, useRef, useSyncExternalStore } from "react";
import type { UiEvent } from "@/lib/protocol/ui-messages";
import { type LiveState, live } from "./live-client";

export function useLiveState(): LiveState {
  return useSyncExternalStore(
    (onChange) => live.onState(onChange),
    () => live.state,
    () => "connecting",
  );
}

export function useLiveEvents(onEvent: (event: UiEvent) => void): void {
  const ref = useRef(onEvent);
  ref.current = onEvent;
  useEffect(() => live.subscribe((e) => ref.current(e)), []);
}
