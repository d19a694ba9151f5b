// Browser and server never disagree: the TypeScript engine gives the Python verdict on every case
// that tests/rules/test_rules_agreement.py drew with hypothesis (and keeps fresh).
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import type { Kleene } from "./conditions";
import { runCase, type ConformanceCase } from "./run-case";

interface AgreementFile {
  items: ConformanceCase["items"];
  scores: ConformanceCase["scores"];
  conditions: ConformanceCase["conditions"];
  cases: { condition: unknown; answers: Record<string, unknown>; expected: Kleene }[];
}

const data = JSON.parse(
  readFileSync(new URL("../../../../tests/rules/agreement/random-cases.json", import.meta.url), "utf8"),
) as AgreementFile;

it("agrees with the Python engine on every random case", () => {
  expect(data.cases.length).toBeGreaterThanOrEqual(1000);
  const disagreements = data.cases.filter((c) => {
    const { value, problems } = runCase({ ...data, ...c });
    return problems.length > 0 || value !== c.expected;
  });
  expect(disagreements.slice(0, 5)).toEqual([]);
});
