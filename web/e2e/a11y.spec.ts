import { test } from "@playwright/test";
import { checkScreen, signIn } from "./helpers";

test("sign-in and inventory pass axe", async ({ page }) => {
  await page.goto("/sign-in");
  await checkScreen(page, "sign-in");
  await page.goto("/reset-password");
  await checkScreen(page, "reset-password");
  await signIn(page, "manager");
  await checkScreen(page, "inventory-empty");
});
