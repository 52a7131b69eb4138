// ISO 8601 UTC timestamps ("2026-12-06T08:30:00.000Z", what Date#toISOString gives) for the agent's
// state, events and logs. Why not toISOString: Node 20's V8 looks up the host's local time zone in
// it, which loads ICU's time-zone data and code (~0.8 MiB of the Node binary resident in every agent,
// for a value that does not depend on the zone); the UTC getters do not. Same text for every date
// toISOString formats as four-digit years; anything else (invalid, years past 9999) goes to it.

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** The ISO 8601 UTC text of a time (ms since the epoch, or a Date); throws RangeError for an invalid one, as toISOString does. */
export function isoTime(time: number | Date): string {
  const d = typeof time === "number" ? new Date(time) : time;
  const y = d.getUTCFullYear();
  if (!(y >= 1000 && y <= 9999)) return d.toISOString();
  return `${y}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${three(d.getUTCMilliseconds())}Z`;
}

/** Now, as isoTime gives it. */
export const isoNow = (): string => isoTime(Date.now());
