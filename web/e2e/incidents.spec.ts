// A product manager records an AI incident, is told who must report it, to whom and by when,
// answers the triage on the incident, and records what was done and sent.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { checkScreen, e2eFile, fillAnswers, signInAs } from "./helpers";

const auth = () => ({ Authorization: `Bearer ${e2eFile().keys.manager ?? ""}` });

async function post(api: APIRequestContext, url: string, data: object): Promise<{ id: string }> {
  const response = await api.post(url, { headers: auth(), data });
  expect(response.ok(), `POST ${url}: ${await response.text()}`).toBeTruthy();
  return (await response.json()) as { id: string };
}

test("record an incident, triage it on the incident, and see who reports by when", async ({ page, request }) => {
  const system = await post(request, "/v1/ai-systems", {
    name: "ED triage model",
    purpose: "Ranks emergency patients by urgency",
    owner: "Head of ED",
    sourcing: "in_house",
  });
  // Known serious and high-risk, but nobody has said when the organisation became aware.
  await post(request, "/v1/incidents", {
    system_id: system.id,
    title: "Awareness not yet recorded",
    description: "Reported by a nurse; the date of awareness is being checked.",
    occurred_at: "2026-10-14T08:00:00Z",
    affected: "One patient",
    triage: { serious: true, harms: ["health"], high_risk_obligations_apply: true, role: "provider" },
  });

  await signInAs(page, "manager");
  await page.getByRole("link", { name: "Incidents" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();
  await page.getByRole("button", { name: "Record an incident" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("AI system").selectOption(system.id);
  // A title longer than the server takes: its refusal lands on the field.
  await dialog.getByLabel("What happened (short)").fill("x".repeat(201));
  await dialog.getByLabel("Description").fill("The model scored a stroke patient as low urgency; she was sent home.");
  await dialog.getByLabel("Occurred at (UTC)").fill("2026-10-14T08:00");
  // Awareness before occurrence: refused in the browser, on the field.
  await dialog.getByLabel("Became aware at (UTC)").fill("2026-10-13T10:30");
  await dialog.getByLabel("Who or what is affected").fill("One patient of the emergency department");
  await dialog.getByRole("button", { name: "Record an incident" }).click();
  await expect(dialog.getByText("is before occurred_at")).toBeVisible();
  await dialog.getByLabel("Became aware at (UTC)").fill("2026-10-14T10:30");
  await dialog.getByRole("button", { name: "Record an incident" }).click();
  const title = dialog.getByLabel("What happened (short)");
  await expect(title).toHaveAttribute("aria-invalid", "true");
  await checkScreen(page, "incident-record-errors");
  await title.fill("Triage model sent a stroke patient home");
  await dialog.getByRole("button", { name: "Record an incident" }).click();

  // Nothing known yet about seriousness: no clock, and what is missing is said.
  await expect(page.getByRole("heading", { level: 1, name: "Triage model sent a stroke patient home" })).toBeVisible();
  await expect(page.getByTestId("undetermined")).toContainText("serious");
  await expect(page.getByTestId("deadline-notes")).toContainText("Member-State public holidays are not modelled");
  await expect(page.getByTestId("facts-source")).toContainText("entered directly");

  // The triage is answered on the incident with the ordinary assessment form.
  await page.getByRole("button", { name: "Start the triage" }).click();
  await expect(page.locator('[data-item="harms"]')).toBeVisible();
  await fillAnswers(page, {
    harms: ["death"],
    causal_link: "established",
    widespread_infringement: false,
    high_risk_applies: true,
    role: "provider",
    sectoral_regime: false,
    gpai_systemic_risk: false,
    personal_data_breach: false,
    nis2_entity: false,
  });
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-status", "saved");
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByTestId("result-tier")).toHaveAttribute("data-tier", "urgent");
  await page.getByRole("link", { name: "Back to the incident" }).click();

  // Death, aware on Wed 14 Oct 2026: 10 days end on Sat 24 Oct, so Mon 26 Oct (1182/71 Art. 3(4)).
  const art73 = page.locator('[data-clock="ai_act_art73"]');
  await expect(art73).toContainText("2026-10-26 23:59 UTC");
  await expect(art73).toContainText("EU AI Act Art. 73(4)");
  await expect(art73).toContainText("market surveillance authority");
  await expect(art73).toContainText("Overdue");
  await expect(page.getByTestId("facts-source")).toContainText("round 1 of the triage");
  await expect(page.getByTestId("triage-assessment")).toContainText("Submitted");
  await checkScreen(page, "incident-detail-triaged");

  // What was done and sent; the report meets the Art. 73 clock; the incident is reported.
  await page.getByLabel("Action", { exact: true }).fill("Suspend automatic triage");
  await page.getByLabel("Owner").fill("Head of ED");
  await page.getByRole("button", { name: "Add an action" }).click();
  await expect(page.getByRole("table", { name: "Corrective actions" })).toContainText("Suspend automatic triage");
  await page.getByLabel("Sent to").fill("Market surveillance authority (DE)");
  await page.getByLabel("Sent at (UTC)").fill("2026-10-20T09:00");
  await page.getByLabel("Deadline it meets").selectOption("ai_act_art73");
  await page.getByLabel("Copy of what was sent").fill("Initial report under Art. 73(5): a death possibly linked to the triage model.");
  await page.getByRole("button", { name: "Record a report sent" }).click();
  await expect(art73).toContainText("Met by a report");
  await expect(art73).not.toContainText("Overdue");
  await page.getByLabel("Status", { exact: true }).selectOption("reported");
  await page.getByRole("button", { name: "Change status" }).click();
  await expect(page.locator('[data-status="reported"]').first()).toBeVisible();
  await checkScreen(page, "incident-detail-reported");

  // The list filters by overdue deadline; the incident without awareness is undetermined.
  await page.getByRole("link", { name: "Incidents" }).click();
  await expect(page.getByRole("table", { name: "Incidents" })).toContainText("Triage model sent a stroke patient home");
  await page.getByLabel("Status").selectOption("open");
  await expect(page.getByRole("table", { name: "Incidents" })).not.toContainText("Triage model sent a stroke patient home");
  await page.getByRole("link", { name: "Awareness not yet recorded" }).click();
  await expect(page.locator('[data-clock="ai_act_art73"]')).toContainText("Undetermined");
  await expect(page.getByTestId("undetermined")).toContainText("aware_at");
  await checkScreen(page, "incident-undetermined");

  // The system's page counts its incidents and links to them.
  await page.getByRole("link", { name: "ED triage model" }).click();
  await expect(page.getByTestId("system-incidents")).toContainText("2 incidents");
  await page.getByRole("link", { name: "View incidents" }).click();
  await expect(page.getByRole("table", { name: "Incidents" }).locator("tbody tr")).toHaveCount(2);
  await checkScreen(page, "incidents-list");
});
