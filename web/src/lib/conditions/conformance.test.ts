// The Python engine's conformance suite, read from its one place in the repository (no copy).
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCase, type ConformanceCase } from "./run-case";

const dir = new URL("../../../../tests/rules/conformance/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

describe("condition-language conformance", () => {
  it("finds the fixture files", () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });
  for (const file of files) {
    const { cases } = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as { cases: ConformanceCase[] };
    describe(file, () => {
      cases.forEach((c, i) => {
        it(`[${i}] ${c.description ?? ""}`, () => {
          const { value, problems } = runCase(c);
          if (c.error !== undefined) {
            expect(problems).toContain(c.error);
          } else {
            expect(problems).toEqual([]);
            expect(value).toBe(c.expected);
          }
        });
      });
    });
  }
});
