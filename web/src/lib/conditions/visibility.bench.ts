// Time to recompute visibility for one answer change on the largest questionnaire (aim: ≤ 2 ms).
import { readFileSync } from "node:fs";
import { bench, describe } from "vitest";
import { compileQuestionnaire, settle, type QDocument } from "./questionnaire";

const doc = JSON.parse(
  readFileSync(new URL("../../../../questionnaires/eu-ai-act-classification/1.1.0.json", import.meta.url), "utf8"),
) as QDocument;
const program = compileQuestionnaire(doc);
const scenarios = (
  JSON.parse(
    readFileSync(new URL("../../../../questionnaires/eu-ai-act-classification/1.1.0.scenarios.json", import.meta.url), "utf8"),
  ) as { scenarios: { answers: Record<string, unknown> }[] }
).scenarios;
const full = scenarios.reduce((a, s) => (Object.keys(s.answers).length > Object.keys(a).length ? s.answers : a), {});
let flip = false;

describe(`visibility of eu-ai-act-classification 1.1.0 (${String(program.items.size)} items)`, () => {
  bench("one answer changes, everything settled again", () => {
    flip = !flip;
    settle(program, { ...full, eu_nexus: flip });
  });
  bench("compile the questionnaire (once per page load)", () => {
    compileQuestionnaire(doc);
  });
});
