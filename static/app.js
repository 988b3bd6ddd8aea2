// frontdesk: small enhancements; every page works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // "Add a new app" opens its dialog instead of navigating to the page version of it.
  for (const opener of document.querySelectorAll("[data-opens-dialog]")) {
    const dialog = document.getElementById(opener.dataset.opensDialog);
    if (!dialog || typeof dialog.showModal !== "function") continue;
    opener.addEventListener("click", (event) => {
      event.preventDefault();
      dialog.showModal();
    });
    dialog.addEventListener("close", () => opener.focus());
  }

  // Row menus (<details>): tell assistive technology whether they are open; Esc closes them.
  for (const menu of document.querySelectorAll("details.row-menu")) {
    const summary = menu.querySelector("summary");
    menu.addEventListener("toggle", () => summary.setAttribute("aria-expanded", String(menu.open)));
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        summary.focus();
      }
    });
  }

  // Copy buttons: shown only when JavaScript can copy.
  const status = document.querySelector("[data-copy-status]");
  for (const button of document.querySelectorAll("[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value ?? field.textContent);
      } catch {
        field.select();
        document.execCommand("copy");
      }
      button.textContent = "Copied";
      if (status) status.textContent = "Copied to the clipboard.";
      setTimeout(() => { button.textContent = "Copy"; }, 2000);
    });
  }
});
