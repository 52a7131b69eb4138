// When a silence is in force: a one-off period, a daily UTC time range (maybe across midnight, maybe
// on some weekdays only), or until removed (a mute). Pure, so the window rules are tested alone.
export type SilenceWindow = { startsAt: Date | null; endsAt: Date | null; daily: string; days: number[] };

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True if the daily range "HH:MM-HH:MM" holds `now` (a range across midnight belongs to the day it began). */
function inDaily(daily: string, days: number[], now: Date): boolean {
  const [from, to] = daily.split("-").map(minutes) as [number, number];
  const m = now.getUTCHours() * 60 + now.getUTCMinutes();
  const today = now.getUTCDay();
  const dayOk = (d: number) => days.length === 0 || days.includes(d);
  if (from === to) return dayOk(today); // the whole day
  if (from < to) return m >= from && m < to && dayOk(today);
  if (m >= from) return dayOk(today);
  return m < to && dayOk((today + 6) % 7); // the early-morning part of yesterday's range
}

export function silenceActive(w: SilenceWindow, now: Date): boolean {
  if (w.startsAt && now < w.startsAt) return false;
  if (w.endsAt && now >= w.endsAt) return false;
  return w.daily ? inDaily(w.daily, w.days, now) : true;
}

/** A silence that can never be in force again (a past period) may be deleted by the sweeper. */
export function silenceOver(w: SilenceWindow, now: Date): boolean {
  return Boolean(w.endsAt && now >= w.endsAt);
}
