// Procurement and the supplier portal: a vendor questionnaire sent, answered through the link
// with evidence, clarified, accepted; dead links show whom to contact and change nothing.
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { checkScreen, e2eFile, fillAnswers, latestVersion, signInAs, waitSaved } from "./helpers";

const python = process.env.E2E_PYTHON ?? "../.venv/bin/python";
const scenarios = JSON.parse(readFileSync(`../questionnaires/ai-supplier/${latestVersion("ai-supplier")}.scenarios.json`, "utf8")) as {
  scenarios: { id: string; answers: Record<string, unknown> }[];
};
const lowRisk = scenarios.scenarios.find((s) => s.id === "certified_low_risk_supplier")?.answers ?? {};
const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

async function addSupplier(page: Page, name: string, email: string) {
  await page.goto("/suppliers");
  await page.getByRole("button", { name: "Add a supplier" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await dialog.getByLabel("Country").fill("DE");
  await dialog.getByLabel("Contact name").fill("Sam Supplier");
  await dialog.getByLabel("Contact e-mail").fill(email);
  await dialog.getByRole("button", { name: "Add a supplier" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
}

/** Sends the questionnaire from the open supplier profile; the link the dialog shows once. */
async function sendQuestionnaire(page: Page, shot?: string): Promise<string> {
  await page.getByRole("button", { name: "Send a questionnaire" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Message to the supplier").fill("Please answer for our annual supplier review.");
  if (shot) await checkScreen(page, shot);
  await dialog.getByRole("button", { name: "Send a questionnaire" }).click();
  const link = (await dialog.getByTestId("invitation-link").textContent()) ?? "";
  expect(link).toContain("/supplier-portal#token=inv_");
  if (shot) await checkScreen(page, `${shot}-sent`);
  await dialog.getByRole("button", { name: "Done" }).click();
  return link;
}

async function dropFile(page: Page, name: string, type: string, bytes: Buffer) {
  const transfer = await page.evaluateHandle(
    ({ name, type, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], name, { type }));
      return dt;
    },
    { name, type, data: [...bytes] },
  );
  await page.getByTestId("dropzone").dispatchEvent("drop", { dataTransfer: transfer });
}

async function requestState(api: APIRequestContext, key: string, requestId: string) {
  const response = await api.get(`/v1/supplier-requests/${requestId}`, { headers: { Authorization: `Bearer ${key}` } });
  expect(response.ok()).toBeTruthy();
  return (await response.json()) as { revision: number; answers: Record<string, unknown>; evidence: unknown[]; status: string; invitation: { state: string; first_opened_at: string | null } };
}

test("procurement sends a questionnaire; the supplier answers with evidence; clarification; accepted", async ({ browser }) => {
  // Two people, about forty answers, eleven screens checked by axe: longer than the default.
  test.setTimeout(240_000);
  const proc = await (await browser.newContext()).newPage();
  await signInAs(proc, "procurement");
  await proc.goto("/suppliers");
  await checkScreen(proc, "suppliers-empty");
  await addSupplier(proc, "Acme Vision GmbH", "sam@acme-vision.example");
  await checkScreen(proc, "supplier-profile-new");
  const link = await sendQuestionnaire(proc, "send-questionnaire");
  await checkScreen(proc, "supplier-profile-requested");

  // The supplier opens the link: no account; the token leaves the address bar.
  const supplier = await (await browser.newContext()).newPage();
  await supplier.goto(link);
  await expect(supplier.getByTestId("portal-request")).toContainText("Acme asks Acme Vision GmbH");
  expect(supplier.url()).not.toContain("token");
  expect(await supplier.evaluate(() => sessionStorage.getItem("aas:portal-token"))).toMatch(/^inv_/);
  await checkScreen(supplier, "portal-empty");
  await fillAnswers(supplier, lowRisk);
  await waitSaved(supplier);

  // Evidence: a refused type and a too large file are explained before anything is sent.
  await supplier.getByTestId("evidence-input").setInputFiles({ name: "tool.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ") });
  await expect(supplier.getByTestId("evidence-refused")).toContainText("not a file type we accept");
  await supplier.getByTestId("evidence-input").setInputFiles({ name: "huge.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(11 * 1024 * 1024, 0x25) });
  await expect(supplier.getByTestId("evidence-refused")).toContainText("at most 10.0 MB");
  await checkScreen(supplier, "portal-evidence-refused");
  // A file whose bytes are not what it claims: the server's 415 is shown.
  await supplier.getByTestId("evidence-input").setInputFiles({ name: "fake.pdf", mimeType: "application/pdf", buffer: Buffer.from("not a pdf") });
  await expect(supplier.getByRole("alert").filter({ hasText: "not application/pdf" })).toBeVisible();
  await supplier.getByLabel("The file supports").selectOption("aims_status");
  await dropFile(supplier, "iso42001-certificate.pdf", "application/pdf", PDF);
  await expect(supplier.getByTestId("evidence-iso42001-certificate.pdf")).toBeVisible();
  await checkScreen(supplier, "portal-answered");
  await supplier.getByRole("button", { name: "Submit answers" }).click();
  await expect(supplier.getByTestId("outcome")).toHaveAttribute("data-outcome", "submitted");
  await checkScreen(supplier, "portal-submitted");

  // Procurement reviews: the evidence with its SHA-256, a clarification on one question.
  await proc.goto("/suppliers");
  await expect(proc.getByRole("table", { name: "Vendor requests" })).toContainText("Submitted");
  await checkScreen(proc, "suppliers-requests");
  await proc.getByRole("table", { name: "Vendor requests" }).getByRole("link").first().click();
  await expect(proc.getByTestId("request-status")).toHaveAttribute("data-status", "submitted");
  const sha = (await proc.getByTestId("sha256").textContent()) ?? "";
  const { createHash } = await import("node:crypto");
  expect(sha).toBe(createHash("sha256").update(PDF).digest("hex"));
  const download = proc.waitForEvent("download");
  await proc.getByRole("button", { name: "Download iso42001-certificate.pdf" }).click();
  expect((await download).suggestedFilename()).toBe("iso42001-certificate.pdf");
  await proc.getByLabel(/Ask to clarify: Within how many hours/).check();
  await proc.getByLabel(/What is unclear: Within how many hours/).fill("24 h is too slow for us; can you do 12?");
  await proc.getByLabel("Ask for clarification").check();
  await proc.getByLabel("Comment").fill("One point to clarify.");
  await checkScreen(proc, "request-review-clarify");
  await proc.getByRole("button", { name: "Send clarification request" }).click();
  await expect(proc.getByTestId("request-status")).toHaveAttribute("data-status", "clarification_requested");

  // The supplier sees which question, answers it and submits again.
  await supplier.reload();
  await expect(supplier.getByTestId("clarifications")).toContainText("can you do 12?");
  await expect(supplier.getByTestId("comment-incident_notice_hours")).toBeVisible();
  await checkScreen(supplier, "portal-clarification");
  await fillAnswers(supplier, { incident_notice_hours: 12 });
  await waitSaved(supplier);
  await supplier.getByRole("button", { name: "Submit answers" }).click();
  await expect(supplier.getByTestId("outcome")).toHaveAttribute("data-outcome", "submitted");

  // Procurement accepts; the supplier's page shows the tier.
  await proc.reload();
  await expect(proc.getByTestId("request-status")).toHaveAttribute("data-status", "submitted");
  await expect(proc.getByTestId("request-tier")).toHaveAttribute("data-tier", "low");
  await proc.getByRole("button", { name: "Accept" }).click();
  await expect(proc.getByTestId("request-status")).toHaveAttribute("data-status", "accepted");
  await checkScreen(proc, "request-accepted");
  await proc.getByRole("link", { name: /Acme Vision GmbH/ }).first().click();
  await expect(proc.getByTestId("supplier-tier")).toHaveAttribute("data-tier", "low");
  await checkScreen(proc, "supplier-profile-accepted");
  await proc.goto("/suppliers");
  await expect(proc.getByTestId("supplier-row-Acme Vision GmbH").locator("[data-tier]")).toHaveAttribute("data-tier", "low");

  await supplier.reload();
  await expect(supplier.getByTestId("outcome")).toHaveAttribute("data-outcome", "accepted");
  await checkScreen(supplier, "portal-accepted");
});

test("a revoked and an expired link each show whom to contact; nothing is written", async ({ browser, request }) => {
  const key = e2eFile().keys.procurement ?? "";
  const proc = await (await browser.newContext()).newPage();
  await signInAs(proc, "procurement");
  await addSupplier(proc, "Revoked Ltd", "rita@revoked.example");
  const revokedLink = await sendQuestionnaire(proc);
  await addSupplier(proc, "Expired SA", "eve@expired.example");
  const expiredLink = await sendQuestionnaire(proc);
  const ids: string[] = [];
  for (const name of ["Revoked Ltd", "Expired SA"]) {
    await proc.goto("/suppliers");
    const supplierId = (await proc.getByRole("link", { name }).getAttribute("href"))?.split("/").pop() ?? "";
    const listed = await request.get(`/v1/supplier-requests?supplier_id=${supplierId}`, { headers: { Authorization: `Bearer ${key}` } });
    ids.push(((await listed.json()) as { items: { id: string }[] }).items[0]?.id ?? "");
  }
  const [revokedId = "", expiredId = ""] = ids;

  // Revoke through the screen; expire by letting the clock pass (in the database).
  await proc.goto(`/supplier-requests/${revokedId}`);
  await proc.getByRole("button", { name: "Revoke link" }).click();
  await expect(proc.getByText("revoked", { exact: true })).toBeVisible();
  execFileSync(python, ["e2e/expire_invitation.py", e2eFile().database_url, expiredId]);
  const before = [await requestState(request, key, revokedId), await requestState(request, key, expiredId)];

  for (const [link, name] of [[revokedLink, "portal-revoked"], [expiredLink, "portal-expired"]] as const) {
    const page = await (await browser.newContext()).newPage();
    const writes: string[] = [];
    page.on("request", (r) => { if (r.method() !== "GET") writes.push(`${r.method()} ${r.url()}`); });
    await page.goto(link);
    await expect(page.getByTestId("dead-link")).toBeVisible();
    await expect(page.getByTestId("dead-link")).toContainText("Whom to contact");
    await expect(page.getByRole("alert")).toHaveCount(0);
    expect(page.url()).not.toContain("token");
    await checkScreen(page, name);
    expect(writes).toEqual([]);
  }
  const after = [await requestState(request, key, revokedId), await requestState(request, key, expiredId)];
  expect(after.map((r) => [r.revision, r.answers, r.evidence, r.status, r.invitation.first_opened_at])).toEqual(
    before.map((r) => [r.revision, r.answers, r.evidence, r.status, r.invitation.first_opened_at]),
  );
  expect(after.map((r) => r.invitation.state)).toEqual(["revoked", "expired"]);
});
