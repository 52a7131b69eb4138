import { expect, it } from "vitest";
import { HeldBackAcks } from "./held-back-acks";

it("acks no further than the seq before the first one dropped, until it is received again", () => {
  const acks = new HeldBackAcks();
  expect(acks.limit("h:b", 50)).toBe(50);
  acks.dropped("h:b", 12);
  acks.dropped("h:b", 10);
  acks.dropped("h:b", 11);
  expect(acks.limit("h:b", 50)).toBe(9);
  expect(acks.limit("h:other-run", 50)).toBe(50);
  acks.received("h:b", 30); // a later one: 10 is still missing
  expect(acks.limit("h:b", 50)).toBe(9);
  acks.received("h:b", 10); // the agent resends from its last ack after a reconnect
  expect(acks.limit("h:b", 50)).toBe(50);
});

it("sends no ack when the very first seq was dropped", () => {
  const acks = new HeldBackAcks();
  acks.dropped("h:b", 1);
  expect(acks.limit("h:b", 40)).toBe(0);
});
