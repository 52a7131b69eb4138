"use client";
// One shared /ws/ui socket per tab: reconnects with backoff, parses every frame with lib/protocol,
// and hands events to subscribers. Exposes the connection state for the "live" indicator.
import { parseFrame } from "@/lib/protocol/parse-frame";
import { type UiEvent, UiEventSchema, type UiToControl } from "@/lib/protocol/ui-messages";
import { BASE_PATH } from "../api-client";

type Listener = (event: UiEvent) => void;
export type LiveState = "connecting" | "live" | "offline";

class LiveClient {
  private ws: WebSocket | null = null;
  private listeners = new Set<Listener>();
  private stateListeners = new Set<() => void>();
  private attempt = 0;
  state: LiveState = "connecting";

  private setState(s: LiveState): void {
    this.state = s;
    for (const l of this.stateListeners) l();
  }

  private connect(): void {
    if (typeof window === "undefined" || this.ws) return;
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${BASE_PATH}/ws/ui`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setState("live");
    };
    ws.onmessage = (m) => {
      const parsed = parseFrame(UiEventSchema, String(m.data));
      if (parsed.ok) for (const l of this.listeners) l(parsed.value);
    };
    ws.onclose = () => {
      this.ws = null;
      this.setState("offline");
      const delay = Math.min(10_000, 300 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
      setTimeout(() => this.connect(), delay);
    };
  }

  /** Sends a message if connected; callers re-send what they need when the state turns "live". */
  send(msg: UiToControl): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    this.connect();
    return () => this.listeners.delete(listener);
  }

  onState(listener: () => void): () => void {
    this.stateListeners.add(listener);
    this.connect();
    return () => this.stateListeners.delete(listener);
  }
}

export const live = new LiveClient();
