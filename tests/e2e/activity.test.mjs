// Activity in the browser: the From/To day filters (kept by the export links), a refused range named
// next to its field, and both exports downloaded as files. Every page axe-clean.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { admin, axe, base, closeBrowser, launchBrowser, newPage, signIn } from "./browser.mjs";

before(launchBrowser);
after(closeBrowser);

const today = new Date().toISOString().slice(0, 10);

test("an admin filters Activity by day and downloads it as CSV and JSON Lines", async () => {
  const page = await newPage();
  await page.goto(`${base}/login`);
  await signIn(page, admin);
  await page.goto(`${base}/activity`);
  await axe(page, "activity");

  // A range that ends before it starts is refused next to its field, and offers no export.
  await page.getByLabel("From").fill(today);
  await page.getByLabel("To").fill("2000-01-01");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByText("\"To\" is before \"From\"").waitFor();
  assert.equal(await page.getByRole("link", { name: "Export CSV" }).count(), 0);
  await axe(page, "activity with a refused range");

  // Today only: at least this admin's own sign-in, and the exports keep the filter.
  await page.getByLabel("To").fill(today);
  await page.getByRole("button", { name: "Filter" }).click();
  const csvLink = page.getByRole("link", { name: "Export CSV" });
  assert.match(await csvLink.getAttribute("href"), new RegExp(`from=${today}&to=${today}`));
  assert.match(await page.locator("main").innerText(), /Signed in/);
  await axe(page, "activity of today");

  const [csv] = await Promise.all([page.waitForEvent("download"), csvLink.click()]);
  assert.match(csv.suggestedFilename(), /^frontdesk-activity-\d{8}\.csv$/);
  const lines = (await readFile(await csv.path(), "utf8")).trim().split("\n");
  assert.equal(lines[0], "id,at,actor,source_addr,action,client_id,details");
  assert.ok(lines.slice(1).some((l) => l.includes("user.signed_in") && l.includes(admin.email)), lines.join("\n"));

  const [jsonl] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export JSON Lines" }).click(),
  ]);
  assert.match(jsonl.suggestedFilename(), /^frontdesk-activity-\d{8}\.jsonl$/);
  const entries = (await readFile(await jsonl.path(), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(entries.length >= 1);
  assert.ok(entries.every((e) => e.at.startsWith(today)), JSON.stringify(entries));
  assert.equal(entries.length, lines.length - 1, "both exports hold the same entries");
});
