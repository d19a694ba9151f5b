// The portfolio of an organisation with systems in every tier matches the API's counts.
import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { checkScreen, e2eFile, signInAs } from "./helpers";

const KEY = "eu-ai-act-classification";
const VERSION = "1.1.0";
const CONTROL = "iso-42001:A.5.4";
const TIERS = ["prohibited", "high_risk", "transparency", "minimal", "out_of_scope"];
const scenarios = (
  JSON.parse(readFileSync(`../questionnaires/${KEY}/${VERSION}.scenarios.json`, "utf8")) as {
    scenarios: { id: string; as_of?: string; answers: Record<string, unknown>; expect: { tier: string; final?: boolean } }[];
  }
).scenarios;

const auth = (who: string) => ({ Authorization: `Bearer ${e2eFile().keys[who] ?? ""}` });

async function call(api: APIRequestContext, who: string, method: "get" | "post", url: string, data?: object, headers: Record<string, string> = {}) {
  const response = await api[method](url, { headers: { ...auth(who), ...headers }, ...(data ? { data } : {}) });
  expect(response.ok(), `${method} ${url}: ${await response.text()}`).toBeTruthy();
  return response;
}

async function system(api: APIRequestContext, name: string): Promise<string> {
  const body = { name, purpose: `Portfolio example: ${name}`, owner: "Portfolio owner", sourcing: "in_house", deployment_regions: ["DE"], tags: ["portfolio"] };
  return ((await (await call(api, "manager", "post", "/v1/ai-systems", body)).json()) as { id: string }).id;
}

/** A system whose approved EU AI Act classification lands in `tier` (a golden scenario's answers). */
async function approvedIn(api: APIRequestContext, tier: string) {
  const scenario = scenarios.find((s) => s.expect.tier === tier && s.expect.final !== false);
  if (!scenario) throw new Error(`no scenario reaches ${tier}`);
  const systemId = await system(api, `Portfolio ${tier}`);
  const created = await call(api, "manager", "post", "/v1/assessments", { system_id: systemId, questionnaire_key: KEY, questionnaire_version: VERSION, answers: scenario.answers });
  const { id } = (await created.json()) as { id: string };
  const submitted = await call(api, "manager", "post", `/v1/assessments/${id}/submit`, scenario.as_of ? { as_of: scenario.as_of } : {}, { "If-Match": created.headers().etag ?? "" });
  expect(((await submitted.json()) as { tier: string }).tier).toBe(tier);
  await call(api, "reviewer", "post", `/v1/assessments/${id}/review`, { decision: "approve" }, { "If-Match": submitted.headers().etag ?? "" });
}

test("portfolio counts by tier match the API", async ({ page, request }) => {
  for (const tier of TIERS) await approvedIn(request, tier);
  await system(request, "Portfolio never assessed");
  const drafted = await system(request, "Portfolio in work");
  await call(request, "manager", "post", "/v1/assessments", { system_id: drafted, questionnaire_key: KEY });

  // What the API says: every system, and the most severe current tier of each.
  const systems = ((await (await call(request, "manager", "get", "/v1/ai-systems?limit=200")).json()) as { items: { id: string }[] }).items;
  const current = ((await (await call(request, "manager", "get", "/v1/assessments?current=true&limit=200")).json()) as { items: { system_id: string | null; tier: string | null }[] }).items;
  const standing = new Map<string, string>();
  for (const a of current) {
    if (!a.system_id || !a.tier) continue;
    const before = standing.get(a.system_id);
    if (!before || TIERS.indexOf(a.tier) < TIERS.indexOf(before)) standing.set(a.system_id, a.tier);
  }
  const expected: Record<string, number> = Object.fromEntries(TIERS.map((t) => [t, 0]));
  for (const s of systems) {
    const tier = standing.get(s.id) ?? "none";
    expected[tier] = (expected[tier] ?? 0) + 1;
  }
  for (const tier of TIERS) expect(expected[tier], `API: a system in ${tier}`).toBeGreaterThanOrEqual(1);

  await signInAs(page, "manager");
  await page.getByRole("link", { name: "Portfolio" }).click();
  await expect(page.getByTestId("tier-counts")).toBeVisible();
  for (const [tier, n] of Object.entries(expected)) {
    await expect(page.getByTestId(`count-${tier}`), `count of ${tier}`).toHaveAttribute("data-count", String(n));
  }
  await expect(page.getByTestId("heat-row-Portfolio prohibited")).toHaveAttribute("data-tier", "prohibited");
  await expect(page.getByTestId("heat-row-Portfolio out_of_scope")).toHaveAttribute("data-tier", "out_of_scope");
  await expect(page.getByTestId("never-assessed")).toContainText("Portfolio never assessed");
  await expect(page.getByTestId("never-assessed")).not.toContainText("Portfolio in work");
  await expect(page.getByTestId("heat-row-Portfolio in work")).toContainText("Draft");

  // The work queue shows every entry GET /v1/work-queue returns (all pages), in its order.
  type WorkItem = { system_id: string; system_name: string; questionnaire_key: string; state: string; urgency: string; due_at: string | null };
  const queue: WorkItem[] = [];
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const p = (await (await call(request, "manager", "get", `/v1/work-queue?limit=200${query}`)).json()) as { items: WorkItem[]; next_cursor: string | null };
    queue.push(...p.items);
    cursor = p.next_cursor;
  }
  expect(queue.length, "API: the work queue has entries").toBeGreaterThan(0);
  const workQueue = page.getByTestId("work-queue");
  await expect(workQueue).toHaveAttribute("data-count", String(queue.length));
  await expect(workQueue.locator("tbody tr")).toHaveCount(queue.length);
  const entry = queue.find((w) => w.system_name === "Portfolio never assessed");
  expect(entry, "API: the never-assessed system needs a questionnaire").toBeDefined();
  if (!entry) return;
  expect(entry.state).toBe("missing");
  const row = workQueue.getByTestId(`work-row-${entry.system_name}-${entry.questionnaire_key}`);
  await expect(row).toHaveAttribute("data-state", entry.state);
  await expect(row).toHaveAttribute("data-urgency", entry.urgency);
  await expect(row).toContainText("Missing");
  await expect(row).toContainText({ overdue: "Overdue", due_soon: "Due soon", on_time: "On time" }[entry.urgency] ?? entry.urgency);
  await expect(row).toContainText(entry.due_at ? entry.due_at.slice(0, 10) : "No due date");
  await expect(row.getByRole("link", { name: entry.system_name })).toHaveAttribute("href", `/systems/${entry.system_id}`);

  // Control implementation: no records yet is a stated empty state; one planned record is counted and listed.
  await expect(page.getByTestId("control-status")).toContainText("No control implementation records yet.");
  await call(request, "manager", "post", "/v1/control-records", { control_id: CONTROL, status: "planned", target_date: "2027-06-30" });
  const records = ((await (await call(request, "manager", "get", "/v1/control-records?limit=200")).json()) as { items: { control_id: string; status: string }[] }).items;
  await page.reload();
  const controls = page.getByTestId("control-status");
  await expect(controls).toHaveAttribute("data-count", String(records.length));
  await expect(controls.getByTestId("control-count-planned")).toHaveAttribute("data-count", String(records.filter((r) => r.status === "planned").length));
  await expect(controls.getByTestId("control-count-implemented")).toHaveAttribute("data-count", "0");
  await expect(controls.getByTestId(`control-row-${CONTROL}`)).toContainText("Planned");
  await expect(controls.getByTestId(`control-row-${CONTROL}`)).toContainText("2027-06-30");
  await expect(page.getByTestId("work-queue")).toHaveAttribute("data-count", String(queue.length));
  await checkScreen(page, "portfolio");
});
