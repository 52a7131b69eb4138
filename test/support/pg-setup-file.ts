// Setup file of the `pg` project: its tests must never pass on SQLite by accident (a worker that did
// not get the cluster's URL would run them on the default database).
if (!process.env.STOKER_TEST_PG_URL) throw new Error("the pg project runs without its PostgreSQL cluster (STOKER_TEST_PG_URL unset)");
