// The rule form's channels: while they load it says "Loading", never the empty state, which only
// shows once they have loaded and there are none (it flashed "Add a channel first." on every visit).
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { ListState, Named } from "./alerts-kit";
import { ChannelChoices } from "./channel-choices";

const html = (channels: Named[], state: ListState) => renderToStaticMarkup(createElement(ChannelChoices, { channels, state }));

describe("ChannelChoices", () => {
  it("says it is loading, not that there are no channels, before the list has come", () => {
    const h = html([], "loading");
    expect(h).toContain("Loading channels…");
    expect(h).toContain('aria-busy="true"');
    expect(h).not.toContain("Add a channel first");
  });

  it("asks for a channel, linking to the channels page, once loaded with none", () => {
    const h = html([], "ready");
    expect(h).toContain("Add a channel first.");
    expect(h).toContain('href="/alerts/channels"');
    expect(h).not.toContain("Loading");
  });

  it("offers each channel once loaded, without the empty state", () => {
    const h = html([{ id: "c1", name: "ops relay" }], "ready");
    expect(h).toContain('value="c1"');
    expect(h).toContain("ops relay");
    expect(h).not.toContain("Add a channel first");
  });

  it("says a failed load failed rather than that there are none", () => {
    const h = html([], "failed");
    expect(h).toContain("Channels could not be loaded.");
    expect(h).not.toContain("Add a channel first");
  });
});
