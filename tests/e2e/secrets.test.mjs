// Secret care in the browser: a secret that expires on a date, Rotate with its confirmation page (the
// new secret shown once, the old one showing its expiry), and the list's filters. Every page axe-clean.
// The server runs on the wall clock, so "Not used for 90 days" is checked for its empty state only (the
// integration tests move the clock for the rest).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { admin, axe, base, closeBrowser, launchBrowser, newPage, signIn } from "./browser.mjs";

before(launchBrowser);
after(closeBrowser);

const isoDay = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);

async function registerApp(page, code, name, expires) {
  await page.goto(`${base}/apps/connected-apps/create`);
  await page.getByLabel("Client code").fill(code);
  await page.getByLabel("Client name").fill(name);
  await page.getByRole("radio", { name: "Retrieve", exact: true }).check();
  await page.getByLabel("Secret description").fill("Production server");
  await page.getByLabel("Expires", { exact: true }).selectOption(expires.choice);
  if (expires.on) await page.getByLabel("Expiry date").fill(expires.on);
  await page.getByRole("group", { name: "Core API" }).getByRole("checkbox", { name: /^setup\.read / }).check();
  await page.getByRole("button", { name: "Save" }).click();
  return page.getByRole("textbox", { name: "Client ID", exact: true }).inputValue();
}

test("an admin rotates a secret with a grace period and sees the old one's expiry", async () => {
  const page = await newPage();
  await page.goto(`${base}/login`);
  await signIn(page, admin);
  await page.goto(`${base}/apps/connected-apps/create`);
  await axe(page, "new custom app with Expires");
  const clientId = await registerApp(page, "ROTATING", "Rotating app", { choice: "never" });
  const first = await page.getByRole("textbox", { name: "Client secret", exact: true }).inputValue();

  await page.goto(`${base}/apps/connected-apps/${clientId}`);
  await page.getByRole("link", { name: "Rotate secret Production server" }).click();
  await page.getByRole("heading", { level: 1, name: "Rotate the secret “Production server”?" }).waitFor();
  assert.equal(await page.getByLabel("Grace period (days)").inputValue(), "7");
  assert.equal(await page.getByLabel("New secret description").inputValue(), "Production server");
  await axe(page, "rotate secret");

  // A grace period out of range is refused next to its field.
  await page.getByLabel("Grace period (days)").fill("120");
  await page.getByRole("button", { name: "Rotate secret" }).click();
  await page.getByText("Enter a whole number of days from 0 to 90").waitFor();
  assert.equal(await page.getByLabel("Grace period (days)").getAttribute("aria-invalid"), "true");
  await axe(page, "rotate secret with an error");

  await page.getByLabel("Grace period (days)").fill("7");
  await page.getByLabel("New secret description").fill("Rotated");
  await page.getByLabel("Expires", { exact: true }).selectOption("90d");
  await page.getByRole("button", { name: "Rotate secret" }).click();
  const second = await page.getByRole("textbox", { name: "Client secret", exact: true }).inputValue();
  assert.notEqual(second, first);
  await axe(page, "rotated secret shown once");

  await page.goto(`${base}/apps/connected-apps/${clientId}`);
  const expiries = page.getByRole("region", { name: "Secrets of Rotating app" }).locator("td.secret-expiry");
  const [oldExpiry, newExpiry] = await expiries.allInnerTexts();
  assert.match(oldExpiry, /Warning/);
  assert.match(oldExpiry, /expires in [67] days/);
  assert.match(newExpiry, /expires in (89|90) days/);
  await axe(page, "app page with expiring secrets");

  for (const secret of [first, second]) {
    const response = await fetch(`${base}/connect/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials",
    });
    assert.equal(response.status, 200, "both secrets work during the grace period");
  }
});

test("the list filters apps by their secrets: expiring soon, expired, not used for 90 days", async () => {
  const page = await newPage();
  await page.goto(`${base}/login`);
  await signIn(page, admin);
  const soon = await registerApp(page, "SOONGONE", "Soon gone", { choice: "date", on: isoDay(3) });
  const gone = await registerApp(page, "ALREADYGONE", "Already gone", { choice: "never" });
  // Rotating with grace 0 leaves an expired secret behind.
  await page.goto(`${base}/apps/connected-apps/${gone}`);
  await page.getByRole("link", { name: "Rotate secret Production server" }).click();
  await page.getByLabel("Grace period (days)").fill("0");
  await page.getByRole("button", { name: "Rotate secret" }).click();
  await page.getByRole("textbox", { name: "Client secret", exact: true }).waitFor();

  await page.goto(`${base}/apps/connected-apps`);
  await page.getByLabel("Show").selectOption("expiring-soon");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByRole("link", { name: "Soon gone" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "Already gone" }).count(), 0);
  assert.match(await page.locator("td.app-expiry").first().innerText(), /expires in [23] days/);
  await axe(page, "list: expiring soon");

  await page.getByLabel("Show").selectOption("expired");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByRole("link", { name: "Already gone" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "Soon gone" }).count(), 0);
  assert.match(await page.locator("td.app-expiry").first().innerText(), /expired/);
  await axe(page, "list: expired");

  // Combined with the search, the filter is kept.
  await page.getByLabel("Search apps").fill("soon");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByRole("heading", { name: "No app matches this filter" }).waitFor();
  assert.match(page.url(), /filter=expired/);

  await page.goto(`${base}/apps/connected-apps?filter=unused`);
  await page.getByRole("heading", { name: "No app matches this filter" }).waitFor();
  assert.equal(await page.getByLabel("Show").inputValue(), "unused");
  await axe(page, "list: not used for 90 days");
});
