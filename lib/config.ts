// Control-plane settings from the environment (documented in the README).
import path from "node:path";

export const config = {
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? "127.0.0.1",
  dataDir: path.resolve(/*turbopackIgnore: true*/ process.env.STOKER_DATA_DIR ?? "data"),
  basePath: process.env.STOKER_BASE_PATH ?? "",
  sessionDays: 14,
};

export const databaseFile = () => path.join(/*turbopackIgnore: true*/ config.dataDir, "stoker.db");
