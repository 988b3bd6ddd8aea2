// An app's standing and token settings as an admin uses them: Suspend behind its confirmation, the
// Suspended badge on the app page and in the list, Resume, and the edit form's access-token lifetime
// and allowed addresses (a refused entry named next to its field). Every page is checked with axe-core.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { admin, axe, base, closeBrowser, launchBrowser, newPage, signIn } from "./browser.mjs";

before(launchBrowser);
after(closeBrowser);

const appName = "Night Audit Bot";
let appUrl;

test("an admin registers an app to manage", async () => {
  const page = await newPage();
  await signIn(page, admin);
  await page.goto(`${base}/apps/connected-apps/create`);
  await page.getByLabel("Client code").fill("NIGHT_AUDIT");
  await page.getByLabel("Client name").fill(appName);
  await page.getByLabel("Secret description").fill("Production");
  await page.getByRole("group", { name: "Core API" }).getByRole("checkbox", { name: /^setup\.read / }).check();
  await page.getByRole("button", { name: "Save" }).click();
  const clientId = await page.getByRole("textbox", { name: "Client ID", exact: true }).inputValue();
  appUrl = `${base}/apps/connected-apps/${clientId}`;
  await page.close();
});

test("an admin suspends the app after confirming, sees the badge, and resumes it", async () => {
  const page = await newPage();
  await signIn(page, admin);
  await page.goto(appUrl);
  await axe(page, "app page (active)");
  await page.getByRole("link", { name: "Suspend", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: `Suspend ${appName}?` }).waitFor();
  await axe(page, "suspend confirmation");
  await page.getByRole("button", { name: "Suspend", exact: true }).click();

  await page.getByRole("heading", { level: 1, name: new RegExp(appName) }).waitFor();
  const heading = page.getByRole("heading", { level: 1 });
  assert.match(await heading.innerText(), /Suspended/);
  await page.getByText(`Suspended ${appName}.`).waitFor();
  await page.getByText("This app is suspended").waitFor();
  await axe(page, "app page (suspended)");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connected apps" }).click();
  const row = page.getByRole("row").filter({ hasText: appName });
  await row.getByText("Suspended", { exact: true }).waitFor();
  await axe(page, "connected apps with a suspended app");

  await row.getByRole("link", { name: appName }).click();
  await page.getByRole("button", { name: "Resume", exact: true }).click();
  await page.getByText(`Resumed ${appName}.`).waitFor();
  assert.doesNotMatch(await page.getByRole("heading", { level: 1 }).innerText(), /Suspended/);
  await page.getByRole("link", { name: "Suspend", exact: true }).waitFor();
  await axe(page, "app page (resumed)");
  await page.close();
});

test("an admin sets the access token lifetime and allowed addresses on the edit form", async () => {
  const page = await newPage();
  await signIn(page, admin);
  await page.goto(`${appUrl}/edit`);
  await axe(page, "edit form");
  const lifetime = page.getByLabel("Access token lifetime (seconds)");
  const addresses = page.getByLabel("Allowed addresses");
  await lifetime.fill("30");
  await addresses.fill("203.0.113.7\nnot-an-address");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("alert").filter({ hasText: "Please correct the following" }).waitFor();
  assert.equal(await lifetime.getAttribute("aria-invalid"), "true");
  assert.match(await lifetime.getAttribute("aria-describedby"), /token_lifetime_seconds-error/);
  await page.getByText(/not-an-address.*is not an IP address or CIDR range/).first().waitFor();
  await axe(page, "edit form with errors");

  await lifetime.fill("600");
  await addresses.fill("203.0.113.7\n2001:DB8::/32");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText(`Saved the changes to ${appName}.`).waitFor();
  await page.getByText("600 seconds", { exact: true }).waitFor();
  await page.getByText("2001:db8::/32", { exact: true }).waitFor();
  await axe(page, "app page with token settings");

  await page.goto(`${appUrl}/edit`);
  await lifetime.fill("");
  await addresses.fill("");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Any address", { exact: true }).waitFor();
  await page.getByText(/Server default/).waitFor();
  await page.close();
});

test("an admin revokes all tokens after confirming", async () => {
  const page = await newPage();
  await signIn(page, admin);
  await page.goto(appUrl);
  await page.getByRole("link", { name: "Revoke all tokens" }).click();
  await page.getByRole("heading", { level: 1, name: `Revoke all tokens of ${appName}?` }).waitFor();
  await axe(page, "revoke all tokens confirmation");
  await page.getByRole("button", { name: "Revoke all tokens" }).click();
  await page.getByText(`Revoked every token of ${appName}.`).waitFor();
  await page.close();
});
