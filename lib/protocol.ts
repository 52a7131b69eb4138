// The wire contract: zod schemas of every message between agent, control plane and browser.
// Both sides import from here; nothing crosses a socket unparsed. Split by topic in ./protocol/.
export * from "./protocol/agent-messages";
export * from "./protocol/alert-messages";
export * from "./protocol/app-spec";
export * from "./protocol/debug-messages";
export * from "./protocol/discovery";
export * from "./protocol/deploy-messages";
export * from "./protocol/deploy-spec";
export * from "./protocol/log-messages";
export * from "./protocol/metrics-messages";
export * from "./protocol/parse-frame";
export * from "./protocol/process-events";
export * from "./protocol/process-manager-spec";
export * from "./protocol/process-state";
export * from "./protocol/result";
export * from "./protocol/site";
export * from "./protocol/run-as";
export * from "./protocol/secret-env";
export * from "./protocol/ui-messages";
export * from "./protocol/web-servers";
export * from "./protocol/web-spec";
export * from "./protocol/list-query";
export * from "./protocol/fpm-spec";
export * from "./protocol/jobs-spec";
export * from "./protocol/guided-messages";
export * from "./protocol/replica-messages";
