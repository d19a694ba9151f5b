// The organisation screen: the latest approved AIMS readiness per clause and its gaps, as the API
// reports them; starting and continuing the organisation's next readiness assessment.
import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { checkScreen, e2eFile, fillAnswers, signInAs } from "./helpers";

const KEY = "aims-readiness";
const scenario = (
  JSON.parse(readFileSync(`../questionnaires/${KEY}/1.0.0.scenarios.json`, "utf8")) as {
    scenarios: { id: string; as_of: string; answers: Record<string, unknown>; expect: { tier: string } }[];
  }
).scenarios.find((s) => s.id === "major_gaps_in_operation");

const auth = (who: string) => ({ Authorization: `Bearer ${e2eFile().keys[who] ?? ""}` });

async function call(api: APIRequestContext, who: string, method: "get" | "post", url: string, data?: object, headers: Record<string, string> = {}) {
  const response = await api[method](url, { headers: { ...auth(who), ...headers }, ...(data ? { data } : {}) });
  expect(response.ok(), `${method} ${url}: ${await response.text()}`).toBeTruthy();
  return response;
}

interface Readiness {
  approved: { assessment_id: string; level: string; clauses: { id: string; level: string }[]; gaps: { id: string }[] } | null;
  open_assessment_id: string | null;
}

test("organisation readiness: approved levels per clause, gaps, start and continue", async ({ page, request }) => {
  if (!scenario) throw new Error("no scenario major_gaps_in_operation");
  // An approved readiness assessment, set up through the API as a product team and a reviewer would.
  const created = await call(request, "manager", "post", "/v1/organization/assessments", { questionnaire_key: KEY, answers: scenario.answers });
  const { id } = (await created.json()) as { id: string };
  const submitted = await call(request, "manager", "post", `/v1/assessments/${id}/submit`, { as_of: scenario.as_of }, { "If-Match": created.headers().etag ?? "" });
  await call(request, "reviewer", "post", `/v1/assessments/${id}/review`, { decision: "approve" }, { "If-Match": submitted.headers().etag ?? "" });
  const readiness = (await (await call(request, "manager", "get", "/v1/organization/readiness")).json()) as Readiness;
  expect(readiness.approved?.level).toBe(scenario.expect.tier);

  await signInAs(page, "manager");
  await page.getByRole("link", { name: "Organisation", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("AI management system readiness");
  await expect(page.getByTestId("readiness-overall")).toHaveAttribute("data-level", "major_gaps");
  for (const clause of readiness.approved?.clauses ?? []) {
    await expect(page.getByTestId(`clause-${clause.id}`), clause.id).toHaveAttribute("data-level", clause.level);
  }
  await expect(page.getByTestId("gaps")).toHaveAttribute("data-count", String(readiness.approved?.gaps.length ?? 0));
  await expect(page.getByTestId("gap-clause_8_not_started")).toContainText("Clause 8: Operation");
  await checkScreen(page, "organization");

  // A new readiness assessment: the questionnaire filler, answers saved; back on the screen it continues.
  await page.getByTestId("start-readiness").click();
  await expect(page).toHaveURL(/\/assessments\/[0-9a-f-]+\/fill$/);
  await fillAnswers(page, { org_roles: ["deployer"], ctx_issues: "in_place" });
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-status", "saved");
  const draftUrl = page.url();
  await page.getByRole("link", { name: "Organisation", exact: true }).click();
  await page.getByTestId("continue-readiness").click();
  await expect(page).toHaveURL(draftUrl);
  await expect(page.locator('[data-item="ctx_issues"] input[value="in_place"]')).toBeChecked();
  const after = (await (await call(request, "manager", "get", "/v1/organization/readiness")).json()) as Readiness;
  expect(after.open_assessment_id).not.toBeNull();
  expect(after.approved?.assessment_id).toBe(id);
});
