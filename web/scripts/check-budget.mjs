// Asserts the first screen's JavaScript (the entry chunk, what it imports, and the sign-in
// route's chunk with its imports) stays within 250 kB gzip. Reads Vite's build manifest.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 250 * 1024;
const dist = new URL("../dist/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL(".vite/manifest.json", dist), "utf8"));
const files = new Set();
const visit = (key) => {
  const chunk = manifest[key];
  if (!chunk || files.has(chunk.file)) return;
  files.add(chunk.file);
  for (const dep of chunk.imports ?? []) visit(dep);
};
visit("index.html");
visit("src/features/auth/index.ts"); // the first screen is sign-in
const sizes = [...files].map((file) => [file, gzipSync(readFileSync(new URL(file, dist))).length]);
const total = sizes.reduce((a, [, n]) => a + n, 0);
for (const [file, n] of sizes) console.log(`${(n / 1024).toFixed(1).padStart(7)} kB  ${file}`);
console.log(`${(total / 1024).toFixed(1).padStart(7)} kB  first screen JS (gzip), budget ${BUDGET / 1024} kB`);
mkdirSync(new URL("../test-results/", import.meta.url), { recursive: true });
writeFileSync(new URL("../test-results/budget.json", import.meta.url), JSON.stringify({ firstScreenJsGzipBytes: total, files: sizes }, null, 2));
if (total > BUDGET) {
  console.error("First-screen JavaScript is over budget.");
  process.exit(1);
}
