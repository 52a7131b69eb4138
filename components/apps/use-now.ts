"use client";
// A clock that ticks every second, so uptimes count up without a reload. Null on the server and
// while hydrating: the server's clock is not the browser's, and "4m 2s" rendered on each would differ.
import { useEffect, useState } from "react";

export function useNow(): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}
