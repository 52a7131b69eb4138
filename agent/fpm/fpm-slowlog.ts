// A php-fpm app's slow and cut requests as events (issue #20, "its stack, where the runtime
// allows"): the master writes its slowlog (a PHP stack traced from the child) and its
// request_terminate_timeout warnings to stderr, the app's log; this reads them back out of the
// master's log batches and reports each as one event, the stack included.
import type { LogBatch } from "../logs/log-batch";

export type FpmSlowReport = { childPid: number; detail: string };

const NEEDLES = ["executing too slow", "execution timed out", "] pid ", "[0x", "finished trace of"].map((s) => Buffer.from(s));
// [06-Dec-2026 11:15:37] WARNING: [pool www] child 3036, script '/x.php' (request: "GET ?ms=1500") executing too slow (1.267074 sec), logging
const WARNING = /WARNING: \[pool [^\]]+\] child (\d+), script '(.*)' \(request: "(.*)"\) (executing too slow|execution timed out) \(([\d.]+) sec\)/;
// [06-Dec-2026 11:15:37]  [pool www] pid 3036
const TRACE_HEAD = /^\[[^\]]+\]\s+\[pool [^\]]+\] pid (\d+)$/;
// [0x00007f8db0c15170] usleep() /x.php:2
const FRAME = /^\[0x[0-9a-f]+\] /;
const FINISHED = /NOTICE: finished trace of (\d+)/;
const MAX_FRAMES = 50;

type Slow = { script: string; request: string; secs: string; stack: string[] };

export class FpmSlowlog {
  private slow = new Map<number, Slow>();
  private tracing: number | null = null;

  constructor(private report: (r: FpmSlowReport) => void) {}

  keep(batch: LogBatch): void {
    if (this.tracing === null && !batch.mayContain(NEEDLES)) return;
    for (const { text } of batch.lines()) this.line(text);
  }

  line(text: string): void {
    const head = TRACE_HEAD.exec(text);
    if (head) {
      this.tracing = this.slow.has(Number(head[1])) ? Number(head[1]) : null;
      return;
    }
    if (this.tracing !== null && FRAME.test(text)) {
      const s = this.slow.get(this.tracing);
      if (s && s.stack.length < MAX_FRAMES) s.stack.push(text.replace(FRAME, ""));
      return;
    }
    const done = FINISHED.exec(text);
    if (done) {
      const pid = Number(done[1]);
      const s = this.slow.get(pid);
      this.tracing = null;
      if (s) this.report({ childPid: pid, detail: `php-fpm child ${pid}: ${s.script} (request "${s.request}") executing too slow (${s.secs} s, past request_slowlog_timeout)\n${stackOf(s)}` });
      return;
    }
    const w = WARNING.exec(text);
    if (!w) return;
    const pid = Number(w[1]);
    if (w[4] === "executing too slow") {
      this.slow.set(pid, { script: w[2], request: w[3], secs: w[5], stack: [] });
      if (this.slow.size > 64) this.slow.delete(this.slow.keys().next().value ?? 0);
      return;
    }
    const traced = this.slow.get(pid);
    this.slow.delete(pid);
    const stack = traced?.stack.length ? stackOf(traced) : "stack: not traced (set request_slowlog_timeout below request_terminate_timeout for one)";
    this.report({ childPid: pid, detail: `php-fpm child ${pid} cut at request_terminate_timeout: ${w[2]} (request "${w[3]}") ran ${w[5]} s; php-fpm ends the child and starts another\n${stack}` });
  }
}

function stackOf(s: Slow): string {
  return s.stack.length ? `stack (php-fpm slowlog):\n${s.stack.map((f) => `  ${f}`).join("\n")}` : "stack: php-fpm could not trace the child";
}
