// The stakeholder-impact result shows its raw, mitigation and final scores term by term, and who
// holds each obligation and control (issue 20).
import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { checkScreen, e2eFile, latestVersion, signInAs } from "./helpers";

const KEY = "stakeholder-impact";
const VERSION = latestVersion(KEY);
// Raw impact high, mitigation at 80 % of its maximum or more: the final score drops one level.
const SCENARIO = "p_mitigation_lowers_within_bound";

interface Scenario {
  id: string;
  as_of?: string;
  answers: Record<string, unknown>;
  expect: { tier: string };
}

const scenario = (
  JSON.parse(readFileSync(`../questionnaires/${KEY}/${VERSION}.scenarios.json`, "utf8")) as { scenarios: Scenario[] }
).scenarios.find((s) => s.id === SCENARIO);

const auth = (who: string) => ({ Authorization: `Bearer ${e2eFile().keys[who] ?? ""}` });

async function post(api: APIRequestContext, url: string, data: object, headers: Record<string, string> = {}) {
  const response = await api.post(url, { headers: { ...auth("manager"), ...headers }, data });
  expect(response.ok(), `POST ${url}: ${await response.text()}`).toBeTruthy();
  return response;
}

test("the impact result shows its score breakdown and who holds each duty", async ({ page, request }) => {
  if (!scenario) throw new Error(`no scenario ${SCENARIO} in ${KEY} ${VERSION}`);
  const system = await post(request, "/v1/ai-systems", {
    name: "Benefit eligibility triage",
    purpose: "Prioritises applications for a public benefit for caseworkers",
    owner: "Head of Benefits",
    sourcing: "bought",
    deployment_regions: ["NL"],
  });
  const systemId = ((await system.json()) as { id: string }).id;
  const created = await post(request, "/v1/assessments", { system_id: systemId, questionnaire_key: KEY, questionnaire_version: VERSION, answers: scenario.answers });
  const { id } = (await created.json()) as { id: string };
  const submitted = await post(request, `/v1/assessments/${id}/submit`, scenario.as_of ? { as_of: scenario.as_of } : {}, { "If-Match": created.headers().etag ?? "" });
  expect(((await submitted.json()) as { tier: string }).tier).toBe(scenario.expect.tier);

  await signInAs(page, "manager");
  await page.goto(`/assessments/${id}`);
  await expect(page.getByTestId("result-tier")).toHaveAttribute("data-tier", scenario.expect.tier);
  const breakdown = page.getByTestId("score-breakdown");
  await expect(breakdown).toBeVisible();
  for (const score of ["impact_raw", "mitigation", "impact_final"]) {
    await expect(page.getByTestId(`breakdown-${score}`)).toBeVisible();
  }
  // The final score is the raw score less the bounded mitigation reduction, term by term.
  const raw = Number(await page.getByTestId("score-impact_raw").evaluate((e) => e.firstChild?.textContent ?? ""));
  const final = Number(await page.getByTestId("score-impact_final").evaluate((e) => e.firstChild?.textContent ?? ""));
  expect(final).toBeLessThan(raw);
  expect(final).toBeGreaterThanOrEqual(raw * 0.85 - 0.01);
  await expect(page.getByTestId("breakdown-impact_final").getByRole("table", { name: /Section totals/ })).toContainText("Mitigation reduction");
  // Controls say who holds them and how binding they are.
  const controls = page.getByRole("table", { name: "Required controls" });
  await expect(controls.locator("[data-party=organisation]").first()).toBeVisible();
  await expect(controls.locator("[data-level=should]").first()).toBeVisible();
  await checkScreen(page, "impact-score-breakdown");
});
