// Fails when src/lib/api/schema.d.ts is not what openapi-typescript makes of ../openapi/openapi.json.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const ast = await openapiTS(new URL("../../openapi/openapi.json", import.meta.url));
const fresh = astToString(ast);
const committed = readFileSync(here("../src/lib/api/schema.d.ts"), "utf8");
const strip = (s) => s.replace(/^\/\*\*[\s\S]*?\*\/\s*/, "").trim();
if (strip(fresh) !== strip(committed)) {
  console.error("src/lib/api/schema.d.ts is stale: run `npm run api:generate` and commit it.");
  process.exit(1);
}
console.log("API types match openapi/openapi.json");
