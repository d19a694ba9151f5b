// A product manager classifies a vendor's CV-screening tool; a reviewer asks for a change, then approves.
import { expect, test } from "@playwright/test";
import { answer, answerCvScreening, checkScreen, registerSystem, shots, signIn, waitSaved } from "./helpers";

test("register, classify, submit, review with a change request, approve", async ({ browser }) => {
  const pm = await (await browser.newContext()).newPage();
  await signIn(pm, "manager");
  await registerSystem(pm, "CV screener");
  await checkScreen(pm, "system-new");

  await pm.getByRole("button", { name: "Start an assessment" }).click();
  await expect(pm.getByTestId("save-status")).toBeVisible();
  await checkScreen(pm, "filler-empty");
  await answerCvScreening(pm);
  await waitSaved(pm);
  // The preview decides high risk before anything is submitted.
  await expect(pm.getByTestId("preview-tier")).toHaveAttribute("data-tier", "high_risk");
  // Each fired rule says why: its provisions and the answers it read.
  const fired = pm.getByTestId("fired-annex3_4a_recruitment");
  await expect(fired).toContainText("EU AI Act Annex III 4(a)");
  await expect(fired).toContainText("Answers read");
  await checkScreen(pm, "filler-answered");
  await pm.locator('[data-item="annex3_employment"]').scrollIntoViewIfNeeded();
  await pm.screenshot({ path: `${shots}/filler-viewport.png` });

  await pm.getByRole("button", { name: "Submit for review" }).click();
  await expect(pm.getByTestId("result-tier")).toHaveAttribute("data-tier", "high_risk");
  const assessmentUrl = pm.url();
  await checkScreen(pm, "result-submitted");

  const reviewer = await (await browser.newContext()).newPage();
  await signIn(reviewer, "reviewer");
  await reviewer.goto("/reviews");
  await checkScreen(reviewer, "review-inbox");
  await reviewer.getByRole("link", { name: /^Review eu-ai-act/ }).first().click();
  await expect(reviewer.getByRole("heading", { level: 1, name: "Review" })).toBeVisible();
  await reviewer.getByLabel("Request changes").check();
  await reviewer.getByLabel(/Comment on this answer: Will you use the system at your workplace/).fill("Please confirm: is it used for our own staff too?");
  await reviewer.getByLabel("Comment", { exact: false }).last().fill("One point to confirm.");
  await checkScreen(reviewer, "review-request-changes");
  await reviewer.getByRole("button", { name: "Request changes" }).click();
  await expect(reviewer.getByRole("heading", { name: "Waiting for review" })).toBeVisible();

  // The manager sees the comment at the question, answers it and submits round 2.
  await pm.goto(`${assessmentUrl}/fill`);
  await expect(pm.getByTestId("comment-workplace_use")).toContainText("own staff");
  await checkScreen(pm, "filler-changes-requested");
  await answer(pm, "workplace_use", "No");
  await waitSaved(pm);
  await answer(pm, "workplace_use", "Yes");
  await pm.locator('[data-item="annex3_employment"]').getByLabel(/Decisions on terms of work/).check();
  await waitSaved(pm);
  await pm.getByRole("button", { name: "Submit for review" }).click();
  await expect(pm.getByTestId("result-tier")).toHaveAttribute("data-tier", "high_risk");

  await reviewer.goto("/reviews");
  await reviewer.getByRole("link", { name: /^Review eu-ai-act/ }).first().click();
  await expect(reviewer.locator('[data-item], [data-testid="review-item-annex3_employment"]').first()).toBeVisible();
  await expect(reviewer.getByTestId("review-item-annex3_employment")).toHaveAttribute("data-changed", "true");
  await checkScreen(reviewer, "review-round-2");
  await reviewer.getByLabel("Approve").check();
  await reviewer.getByRole("button", { name: "Approve" }).click();
  await expect(reviewer.getByRole("heading", { name: "Waiting for review" })).toBeVisible();

  await pm.goto(assessmentUrl);
  await expect(pm.getByText("Decision: approve")).toBeVisible();
  await checkScreen(pm, "result-approved");
  await pm.screenshot({ path: `${shots}/result-viewport.png` });
  await pm.goto("/systems");
  await expect(pm.getByTestId("system-row-CV screener").locator('[data-tier="high_risk"]')).toBeVisible();
  await checkScreen(pm, "inventory");
  // Search and filters live in the URL: a link reproduces the view.
  await pm.getByLabel("Search").fill("screener");
  await expect(pm).toHaveURL(/q=screener/);
  await pm.goto("/systems?q=nothing-like-it&sourcing=bought");
  await expect(pm.getByText("No AI systems match.")).toBeVisible();
  await expect(pm.getByLabel("Sourcing")).toHaveValue("bought");
  await pm.goto("/systems?sourcing=bought");
  await pm.getByRole("link", { name: "CV screener" }).click();
  await expect(pm.getByTestId("obligation-eu-ai-act:deployer.human-oversight")).toBeVisible();
  await checkScreen(pm, "system-standing");
});
