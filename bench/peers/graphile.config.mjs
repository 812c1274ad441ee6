// PostGraphile v5 as a benchmark peer: the default "amber" preset, as shipped,
// in production-like mode (no watch, no GraphiQL/Ruru, no explain).
//
// Our own code. bench/peers/postgraphile.sh copies it into the scratch folder
// where postgraphile is installed (ESM imports resolve from the file's own
// location) and runs it there with Node 22. Settings come from env vars:
//   PGL_DATABASE_URL  PostgreSQL connection string (required)
//   PGL_PORT          port (default 5678), PGL_HOST (default 127.0.0.1)
//   PGL_SCHEMA        schema(s), comma separated (default public)
//   PGL_POOL_MAX      optional: pg pool size (node-postgres default 10 when unset)
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const connectionString = process.env.PGL_DATABASE_URL;
if (!connectionString) {
  throw new Error("PGL_DATABASE_URL is not set");
}
const schemas = (process.env.PGL_SCHEMA || "public")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const poolMax = process.env.PGL_POOL_MAX ? Number(process.env.PGL_POOL_MAX) : undefined;

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas,
      ...(poolMax ? { poolConfig: { max: poolMax } } : {}),
    }),
  ],
  grafserv: {
    host: process.env.PGL_HOST || "127.0.0.1",
    port: Number(process.env.PGL_PORT || 5678),
    graphqlPath: "/graphql",
    watch: false,
    graphiql: false,
    graphiqlOnGraphQLGET: false,
    websockets: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
