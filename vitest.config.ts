import path from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;
const resolve = {
  alias: {
    "@": root,
    // `server-only` throws outside React server components; tests run on plain Node.
    "server-only": path.join(root, "node_modules/server-only/empty.js"),
  },
};

/** Integration tests whose subject is the database: auth, audit, deployments, alerts, revisions, replicas. */
const PG_TESTS = [
  "test/audit.int.test.ts",
  "test/authz.int.test.ts",
  "test/first-run.int.test.ts",
  "test/revisions.int.test.ts",
  "test/config-as-code.int.test.ts",
  "test/stop-and-delete.int.test.ts",
  "test/deploy.int.test.ts",
  "test/alerts.int.test.ts",
  "test/oidc.int.test.ts",
  "test/webconfig.int.test.ts",
  "test/**/*.pg.int.test.ts",
];

/**
 * On CI (`CI` set, as .ci/run does) a failed integration test is run once more: real servers on a
 * busy 2-core machine can lose a timing race the product is not at fault for. A test that passes on
 * its retry is listed as FLAKY at the end of the run (test/support/flaky-reporter.ts) to be fixed;
 * one that fails twice fails the run. Locally there is no retry, so a flake shows at once.
 */
const retry = process.env.CI ? 1 : 0;

/** Every project of tests on real servers: a slow 2-core machine's timeouts, and the CI retry. */
const realServers = { testTimeout: 60_000, hookTimeout: 60_000, retry };

/**
 * Integration files that cannot share the host with another file, run alone after the rest
 * (`integration-serial`). Everything else runs two files at a time: each file has its own temp dirs,
 * free ports, state dirs and web servers, and checks only the processes and sockets it started.
 */
const SERIAL_TESTS = [
  // Removes every empty `stoker-*` cgroup on the host, with a clock two minutes on: another file's fresh ones too.
  "agent/supervisor/cgroup-sweep.int.test.ts",
  // Discovery proposes every FastCGI listener on the host, another file's apps among them.
  "test/discovery-import.int.test.ts",
  // Compares the host's /tmp/stoker-rbh-* dirs before and after, which another file's doctor makes too.
  "agent/debug/run-by-hand.int.test.ts",
  // Timing under a bound a second file's load would break: an exit seen within 40 ms, a replacement
  // within 300 ms, an exit within 1 s, the chatty app's 1,000 lines/s through an agent outage.
  "agent/supervisor/adopt-exit.int.test.ts",
  "test/restart-matrix-exits.int.test.ts",
  "test/exits.int.test.ts",
  "test/faults/stack-faults.int.test.ts",
  // CPU % and RSS against top's within 10 %: top samples a busy host less steadily.
  "test/process-usage.int.test.ts",
];

export default defineConfig({
  resolve,
  test: {
    reporters: ["default", "./test/support/flaky-reporter.ts"],
    projects: [
      {
        resolve,
        test: {
          name: "unit",
          include: ["{agent,lib,components,scripts,cli}/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "node_modules/**"],
          // Some unit tests run a real git or process; 5 s is not enough on a busy 2-core CI machine.
          testTimeout: 20_000,
        },
      },
      {
        resolve,
        test: {
          // Two files at a time on CI's 2 cores (the run was 36 min, 22 of them here, one file at a time).
          name: "integration",
          include: ["{agent,lib,test}/**/*.int.test.ts"],
          exclude: ["**/*.pg.int.test.ts", "node_modules/**", ...SERIAL_TESTS],
          globalSetup: ["test/support/agent-dist-global-setup.ts"],
          ...realServers,
          maxWorkers: 2,
        },
      },
      {
        resolve,
        test: {
          name: "integration-serial",
          include: SERIAL_TESTS,
          globalSetup: ["test/support/agent-dist-global-setup.ts"],
          ...realServers,
          fileParallelism: false,
        },
      },
      {
        resolve,
        test: {
          // The database-heavy integration tests again on PostgreSQL (DESIGN 6), one cluster for the
          // run (test/support/pg-global-setup.ts), a database per control plane. The rest of the
          // suite exercises agents and web servers, not the database: running it twice would double
          // CI time and test nothing new.
          name: "pg",
          include: PG_TESTS,
          globalSetup: ["test/support/pg-global-setup.ts"],
          setupFiles: ["test/support/pg-setup-file.ts"],
          ...realServers,
          // Two files at a time, as in `integration` (where these files pass in pairs on SQLite): each
          // control plane has a database of its own, and two files' replicas stay well under the
          // cluster's 200 connections (10 a replica).
          maxWorkers: 2,
        },
      },
      {
        resolve,
        test: {
          // Long fault runs for bench/ (a 10-minute agent outage): `npm test` does not run them.
          name: "soak",
          include: ["test/**/*.soak.test.ts"],
          testTimeout: 30 * 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
