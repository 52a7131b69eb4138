// CI retries a failed integration test once (vitest.config.ts): a test that fails on real servers
// because a 2-core machine was slow must not refuse a whole submission, but it must not vanish
// either. This reporter lists every test that failed and then passed on its retry, with the
// failure, at the end of the run, so each flake is seen and fixed (a test that fails twice still
// fails the run).
import type { Reporter, TestCase } from "vitest/node";

export default class FlakyReporter implements Reporter {
  private readonly flaky: TestCase[] = [];

  onTestCaseResult(test: TestCase): void {
    if (test.diagnostic()?.flaky) this.flaky.push(test);
  }

  onTestRunEnd(): void {
    if (this.flaky.length === 0) return;
    const lines = [``, `FLAKY: ${this.flaky.length} test(s) failed, then passed on a retry. Fix each:`];
    for (const test of this.flaky) {
      lines.push(`  - ${test.module.moduleId.replace(`${process.cwd()}/`, "")} > ${test.fullName}`);
      for (const e of test.result().errors ?? []) lines.push(`      ${(e.message ?? String(e)).split("\n")[0].slice(0, 300)}`);
    }
    process.stdout.write(`${lines.join("\n")}\n\n`);
  }
}
