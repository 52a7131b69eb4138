import { describe, expect, it } from "vitest";
import { ReplicaMessageSchema, type UiEvent } from "../protocol";
import { uiEventText, uiMessageText } from "./relay";

const event: UiEvent = { type: "logs.lines", appId: "a1", lines: [{ ts: "2026-01-01T00:00:00.000Z", pid: 7, stream: "out", text: 'say "event":1 }' }], dropped: 0 };

describe("ui messages between replicas", () => {
  it("are built as the text JSON.stringify gives, and the receiver gets the event's own text back", () => {
    const from = "3b1f0a4e-0000-4000-8000-000000000001";
    const text = uiMessageText(from, "*", JSON.stringify(event));
    expect(text).toBe(JSON.stringify({ kind: "ui", from, to: "*", event }));
    expect(ReplicaMessageSchema.parse(JSON.parse(text))).toEqual({ kind: "ui", from, to: "*", event });
    expect(uiEventText(text)).toBe(JSON.stringify(event));
  });

  it("gives nothing for another layout (the event is then serialised again)", () => {
    expect(uiEventText(JSON.stringify({ from: "x", kind: "ui", to: "*", event }))).toBeUndefined();
    expect(uiEventText(JSON.stringify({ kind: "presence", from: "x", to: "*", hostId: "h", online: true }))).toBeUndefined();
  });
});
