// Portal live status. One SignalR connection per page; the server decides which streams it gets.
// A page opts in with <main data-live-page="triage|incident|status|advisory|advisories" [data-incident-id] [data-tenant-id] [data-advisory-id]>
// and marks what may change with data-live-region="name". On an event that concerns the page, on a
// sequence gap and after every (re)connect, the page fetches itself again and swaps those regions in
// place: one rendering path, no reload, and nothing the user is typing or has chosen is touched.
(() => {
  "use strict";
  const main = document.querySelector("[data-live-page]");
  const indicator = document.getElementById("live-indicator");
  if (!main || !window.signalR) return;

  const page = main.dataset.livePage;
  const incidentId = main.dataset.incidentId;
  const tenantId = main.dataset.tenantId;
  const advisoryId = main.dataset.advisoryId;
  const lastSequence = new Map(); // stream → last sequence number seen

  function show(state, text) {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.textContent = text;
    indicator.hidden = false;
  }

  // A region whose controls the user has changed (a status picked, an assignee chosen, a box ticked) stays as it is until its
  // form is sent: swapping it would reset the choice (every fresh rendering differs, if only in its antiforgery token). Undone
  // (every control back as it was rendered: a box ticked and unticked), it follows the changes again, at once: a triage queue
  // once stayed frozen, still saying "Live", after one tick and untick.
  function differsFromRendered(control) {
    if (control.type === "checkbox" || control.type === "radio") return control.checked !== control.defaultChecked;
    if (control.tagName === "SELECT") return [...control.options].some(o => o.selected !== o.defaultSelected);
    if (["hidden", "submit", "button", "reset", "file"].includes(control.type)) return false;
    return "defaultValue" in control && control.value !== control.defaultValue;
  }
  function reconsider(region) {
    if (!region.isConnected) return;
    if ([...region.querySelectorAll("input, select, textarea")].some(differsFromRendered)) {
      region.setAttribute("data-live-edited", "");
    } else if (region.hasAttribute("data-live-edited")) {
      region.removeAttribute("data-live-edited");
      if (region.hasAttribute("data-live-outdated") && !region.hasAttribute("data-live-held")) scheduleRefresh();
    }
  }
  // A region the server rendered from a refused form (data-live-held: a 409 "changed by someone else", a field to correct) holds
  // what the user sent, not what is stored: its controls are at their rendered values, yet a refresh would put the colleague's
  // summary in place of the user's words, and the next "Save" would save that. It is kept until the page is left or sent.
  const held = region => region.hasAttribute("data-live-edited") || region.hasAttribute("data-live-held");
  for (const type of ["input", "change"]) {
    // After the event's own handlers (tick-all.js ticks a page's rows from its header box), so the region is judged as they left it.
    document.addEventListener(type, e => {
      const region = e.target.closest?.("[data-live-region]");
      if (region) setTimeout(() => reconsider(region));
    }, true);
  }

  // A region being pressed (the main mouse button, a finger or a pen down on it) is not touched until the press ends: a click is a
  // press and a release on the same element, and a region swapped or shifted in between (a new Sev1 row on top, the "changed by
  // someone else" line) loses it. In an outage the triage queue refreshes up to twice a second: a press of a tenth of a second could
  // meet one refresh in five. The press ends after its click has run (the timeout), or when the window loses the pointer or opens a
  // context menu, and the region then catches up: a press must never freeze a page. (The right button is not a press here: its
  // menu, "open in a new tab", can take the release, which the page then never sees.)
  let pressed = null, missedWhilePressed = false;
  document.addEventListener("pointerdown", e => {
    if (e.button === 0) pressed = e.target.closest?.("[data-live-region]") ?? null;
  }, true);
  const pressEnded = () => setTimeout(() => {
    pressed = null;
    if (missedWhilePressed) { missedWhilePressed = false; scheduleRefresh(); }
  });
  for (const type of ["pointerup", "pointercancel", "contextmenu"]) document.addEventListener(type, pressEnded, true);
  window.addEventListener("blur", pressEnded);

  // What the mouse is aiming at stays under it. A Sev1 arriving on top pushed the queue down a row under a pointer on its way to a
  // row: the press then landed on the row above the one meant (opened, or ticked and then acknowledged). A refresh now scrolls the
  // page by as much as the row under the pointer moved (rows carry data-live-key: the same row in the new rendering), so the
  // rows arriving above it push the page's top out instead; nothing is held back or hidden. Only while the hand is on the mouse
  // (moved or wheeled in the last few seconds, the window focused): a pointer parked on a queue someone is watching must not
  // scroll the page, and new incidents with it, out of sight.
  const aimingFor = 5000;
  let pointer = null;
  document.addEventListener("pointermove", e => {
    if (e.pointerType !== "touch") pointer = { x: e.clientX, y: e.clientY, at: performance.now() };
  }, { capture: true, passive: true });
  // The wheel moves the page under a pointer that stays: someone scrolling to a row and clicking without moving the mouse.
  document.addEventListener("wheel", () => { if (pointer) pointer.at = performance.now(); }, { capture: true, passive: true });
  document.addEventListener("pointerout", e => { if (!e.relatedTarget) pointer = null; }, true); // left the window
  function aimedAt() {
    if (!pointer || performance.now() - pointer.at > aimingFor || !document.hasFocus()) return null;
    const target = document.elementFromPoint(pointer.x, pointer.y);
    if (!target || !main.contains(target)) return null;
    const anchor = target.closest("[data-live-key]") ?? target; // outside the swapped regions an element stays itself
    return { anchor, key: anchor.dataset.liveKey, region: anchor.closest("[data-live-region]")?.dataset.liveRegion, top: anchor.getBoundingClientRect().top };
  }
  // A page too short to scroll by that much (a queue of a few rows, early in an outage) gets the room below its end, blank, for
  // as long as the hand stays on the mouse: once it has been still for as long as aiming lasts, or has left the page, the room
  // goes (a quiet queue may see no refresh for an hour). Rows gone from above (a queue of new incidents whose top one a colleague
  // acknowledged) move it up, and a page at its top cannot scroll up: the room the page lacks goes above the region instead, as
  // blank, for as long.
  let room = null, roomAbove = null, roomTimer = 0;
  function keepAimedAt(aim) {
    let anchor = aim.anchor;
    if (!anchor.isConnected) {
      if (!aim.key || !aim.region) return; // swapped, and nothing says which new element is the same one
      anchor = document.querySelector(`[data-live-region="${aim.region}"] [data-live-key="${CSS.escape(aim.key)}"]`);
      if (!anchor) return; // gone from the region (resolved by someone else, out of the filter): nothing to keep
    }
    let moved = anchor.getBoundingClientRect().top - aim.top;
    if (moved === 0) return;
    const region = anchor.closest("[data-live-region]");
    if (moved < 0 && -moved > window.scrollY && region) {
      const lacking = -moved - window.scrollY;
      roomAbove ??= region.parentNode.insertBefore(Object.assign(document.createElement("div"), { className: "live-room" }), region);
      roomAbove.style.height = `${roomAbove.offsetHeight + lacking}px`;
      moved += lacking;
    }
    // To scroll down by that much the page must reach that far below the window's bottom (a page shorter than the window ends
    // above it). Scrolling up, or not at all once the room above took it all, needs none.
    const missing = moved - (document.body.getBoundingClientRect().bottom - window.innerHeight);
    if (moved > 0 && missing > 0) {
      room ??= main.appendChild(Object.assign(document.createElement("div"), { className: "live-room" }));
      room.style.height = `${room.offsetHeight + missing}px`;
    }
    window.scrollBy({ top: moved, behavior: "instant" });
    if (room || roomAbove) giveRoomBackOnceIdle();
  }
  function giveRoomBackOnceIdle() {
    clearTimeout(roomTimer);
    const stillFor = pointer ? performance.now() - pointer.at : aimingFor;
    roomTimer = setTimeout(() => aimedAt() ? giveRoomBackOnceIdle() : giveRoomBack(), Math.max(aimingFor - stillFor, 0) + 100);
  }
  function giveRoomBack() {
    clearTimeout(roomTimer);
    room?.remove();
    roomAbove?.remove();
    room = roomAbove = null;
  }

  // The focus keeps its region as it is: a field being typed in, a list being chosen from, the place of someone moving through the
  // queue with the keyboard. A link or button the mouse focused holds nothing (a click, a ctrl-click or "open in a new tab" on an
  // incident leaves the focus on its link): the queue kept for it stopped following the outage and said it had changed "since you
  // started here". The keyboard's focus on them (:focus-visible) still holds.
  function holdsFocus(region) {
    const focused = document.activeElement;
    if (!focused || focused === document.body || !region.contains(focused)) return false;
    return !focused.matches("a, button") || focused.matches(":focus-visible");
  }

  // A region kept only because the user was in it catches up when they leave it.
  document.addEventListener("focusout", e => {
    const region = e.target.closest?.("[data-live-region]");
    if (region?.hasAttribute("data-live-outdated") && !held(region)) setTimeout(scheduleRefresh);
  }, true);

  // A region's content without what every rendering changes (the version a form carries, the antiforgery token, our own note).
  function substance(region) {
    const copy = region.cloneNode(true);
    for (const input of copy.querySelectorAll("input[data-live-version], input[name=__RequestVerificationToken]")) input.removeAttribute("value");
    for (const note of copy.querySelectorAll(".live-outdated")) note.remove();
    return copy.innerHTML;
  }

  // A region kept for the user while it changed underneath says so, once: its forms still carry the version they were rendered
  // from, so what the user sends is refused as changed by someone else (409) and the page shows the change, instead of the
  // user's older choice silently replacing the newer one.
  function markOutdated(region) {
    if (region.hasAttribute("data-live-outdated")) return;
    region.setAttribute("data-live-outdated", "");
    if (!region.matches("div, section")) return;
    const note = document.createElement("p");
    note.className = "live-outdated";
    note.setAttribute("role", "status");
    note.textContent = "Changed by someone else since you started here: sending will show you the change first.";
    region.prepend(note);
  }

  // A change refreshes the page 100 ms later, so a burst's events share one refresh. While changes keep coming (an outage:
  // RMM updates, many tenants at once) it refreshes at most every half second, instead of waiting for a pause that may never
  // come, and never runs two refreshes at once, so an older answer cannot replace a newer one.
  const refreshDelay = 100, refreshEvery = 500;
  let refreshTimer = 0, refreshing = false, refreshAgain = false, lastRefreshStart = -Infinity;
  let ended = false; // signed out, or the page is no longer the user's: no more refreshes, no reconnects
  function scheduleRefresh() {
    if (ended) return;
    if (refreshing) { refreshAgain = true; return; }
    if (refreshTimer) return; // the refresh already planned will show this change too
    refreshTimer = setTimeout(runRefresh, Math.max(refreshDelay, lastRefreshStart + refreshEvery - performance.now()));
  }

  // A refetch that failed is tried again after a while, however quiet the streams are, and the page says meanwhile that what
  // it shows may be behind.
  const retryAfter = 5000;
  let retryTimer = 0;
  function retryLater() {
    show("stale", "Not up to date — retrying");
    if (!retryTimer) retryTimer = setTimeout(() => { retryTimer = 0; scheduleRefresh(); }, retryAfter);
  }

  async function runRefresh() {
    refreshTimer = 0;
    refreshing = true;
    lastRefreshStart = performance.now();
    try {
      await refresh();
    } finally {
      refreshing = false;
      if (refreshAgain) {
        refreshAgain = false;
        scheduleRefresh();
      }
    }
  }

  async function refresh() {
    // The status page is cached per tenant: asking for the last event number seen makes a stale copy rebuild.
    const url = new URL(location.href);
    const seen = lastSequence.get(`tenant/${tenantId}`);
    if (page === "status" && seen !== undefined) url.searchParams.set("sequence", seen);
    // The incident page too: a customer's view of the incident is shared and cached, and must include the event seen.
    const seenOnIncident = lastSequence.get(`incident/${incidentId}`);
    if (page === "incident" && seenOnIncident !== undefined) url.searchParams.set("sequence", seenOnIncident);
    // A customer's status, recovery or incident page asks for its live regions alone: after a change every open page refetches at once,
    // and the regions are the tenant's or the incident's, the same for all of them (the whole page is rendered per person). An
    // MSP member's page refetches whole: it carries the alerts that person may have missed.
    if ((page === "status" || page === "incident") && !document.getElementById("pending-alerts")) url.searchParams.set("part", "live");
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", headers: { "X-Portal-Live": "1" } });
    } catch {
      retryLater(); // the network, or the socket too (then the reconnect refreshes as well)
      return;
    }
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      // Signed out (in another tab, or the session ended), or the page is no longer the user's: nothing can bring it up to
      // date any more, so say so instead of "Live", and stop listening (the server answers these refetches with a bare
      // status, not a redirect to the sign-in: Infrastructure/Auth/LiveRefreshAuthorization).
      ended = true;
      show("offline", response.status === 401 ? "Signed out — reload the page to sign in" : "No longer available — reload the page");
      connection.stop();
      return;
    }
    if (!response.ok) {
      retryLater(); // a failing server (a database fail-over): the change is not on the page yet, and no event may come again
      return;
    }
    if (indicator?.dataset.state === "stale") show("live", "Live");
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    sayMissed(fresh);
    const shownBefore = catchingUp ? shownRows() : null;
    catchingUp = false;
    const aim = aimedAt();
    const kept = new Set();
    for (const region of document.querySelectorAll("[data-live-region]")) {
      const replacement = fresh.querySelector(`[data-live-region="${region.dataset.liveRegion}"]`);
      if (!replacement || replacement.innerHTML === region.innerHTML) continue;
      if (region === pressed) {
        kept.add(region); // as it was rendered, forms and version alike, until the press ends
        missedWhilePressed = true;
        continue;
      }
      // Never pull a control from under the user, nor a choice they have made and not sent yet.
      if (holdsFocus(region) || held(region)) {
        // What the region shows changed (a summary, an assignee, the moves a task may make): its form stays at the version the
        // user saw. Only its version and token changed (a note elsewhere bumped the incident): nothing they decided on moved.
        if (substance(region) !== substance(replacement)) {
          kept.add(region);
          markOutdated(region);
        }
        continue;
      }
      region.replaceWith(document.importNode(replacement, true));
    }
    if (aim) keepAimedAt(aim);
    else giveRoomBack();
    // Forms outside the regions (notes: appended, they overwrite nothing), and in kept regions whose content did not change, take
    // the current version. A form in a kept region that changed keeps the version it was rendered from (markOutdated).
    const current = fresh.querySelector("input[data-live-version]");
    for (const input of document.querySelectorAll("input[data-live-version]")) {
      if (current && !kept.has(input.closest("[data-live-region]"))) input.value = current.value;
    }
    if (shownBefore) noticeArrivedWhileAway(shownBefore);
    announceArrivals();
    main.dataset.liveRefreshedAt = new Date().toISOString();
    document.dispatchEvent(new CustomEvent("portal:refreshed")); // e.g. charts in a swapped region draw themselves again
  }

  function concernsPage(event) {
    const stream = event.stream;
    // The advisories list, and one advisory's page, follow the providers' notices only, not every change of every tenant.
    if (page === "advisories") {
      return (event.kind === "AdvisoryPublished" || event.kind === "AdvisoryUpdated") && (!advisoryId || event.subjectId === advisoryId);
    }
    if (page === "incident") return stream === `incident/${incidentId}`;
    if (page === "status") return stream === `tenant/${tenantId}`;
    if (page === "advisory") return stream.startsWith("provider/");
    return stream.startsWith("tenant/");
  }

  function onSequenced(event) {
    const previous = lastSequence.get(event.stream);
    if (previous !== undefined && event.sequence <= previous) return; // already seen (or older)
    lastSequence.set(event.stream, event.sequence);
    const gap = previous !== undefined && event.sequence > previous + 1;
    if (gap) catchingUp = true;
    if (gap || concernsPage(event)) scheduleRefresh();
  }

  // A screen reader hears what arrives, as a sighted person sees it appear: an incident on the triage queue or a customer's status
  // page ("New incident NWA-12, Sev1: Check-in kiosks down."), an entry on an incident's timeline ("Update from Maya Chen: …").
  // Said politely (after what is being read) once it is on the page, so an incident outside the queue's filter, or a device
  // update the timeline sums up, stays silent. In an outage they come by the dozen: the first after a quiet spell is said at
  // once, those within the next ten seconds together at its end ("3 new incidents. The most severe: …"), so the reader is
  // never talked over for long.
  const announceEvery = 10000, forgetAfter = 30000;
  const announcer = Object.assign(document.createElement("div"), { id: "live-announcer", className: "visually-hidden" });
  announcer.setAttribute("aria-live", "polite"); // a live region, not a second role=status: that is the page's banner
  announcer.setAttribute("aria-atomic", "true");
  document.body.append(announcer);
  const arriving = new Map(); // key (an incident's id, an entry's number) → { incident?, at }: an event told of it, its row not shown yet
  let arrived = [], lastSaid = -Infinity, sayTimer = 0;
  function onArriving(event) {
    if (!concernsPage(event) || arriving.size > 500) return; // bounded: a flood of device updates, none of them shown
    // An entry by its number on the incident, as its page keys it (shorter than its id: the page is refetched by crowds).
    if (page === "incident" && event.entry) arriving.set(String(event.entry.sequence), { at: performance.now() });
    else if ((page === "triage" || page === "status") && event.entry?.kind === "Opened")
      arriving.set(event.incident.id, { incident: event.incident, at: performance.now() });
  }
  function announceArrivals() {
    for (const [key, { incident, at }] of arriving) {
      const shown = document.querySelector(`[data-live-region] [data-live-key="${CSS.escape(key)}"]`);
      if (shown) {
        arrived.push(incident ?? { entry: shown });
        arriving.delete(key);
        marked.set(key, document.hidden ? Infinity : performance.now() + markFor);
        if (marked.size > 200) marked.delete(marked.keys().next().value); // hours behind another tab: the newest 200 (a page shows fewer)
        arrivedUnseen();
      } else if (performance.now() - at > forgetAfter) {
        arriving.delete(key); // not on this page (filtered out, on a later page, summed up)
      }
    }
    if (arrived.length > 0 && !sayTimer) sayTimer = setTimeout(sayArrivals, Math.max(0, lastSaid + announceEvery - performance.now()));
    markArrived();
  }
  // And seen: what arrived is tinted (class "arrived") until ten seconds after the page is looked at, so a new Sev1 in the
  // middle of a long queue catches the eye; a page behind another tab keeps the tint for when it is back. A refetch replaces
  // the rows, so the class goes on again after each.
  const markFor = 10000;
  const marked = new Map(); // key → when its tint ends (Infinity while the page is not looked at)
  let unmarkTimer = 0;
  function markArrived() {
    const now = performance.now();
    for (const [key, until] of marked) if (until <= now) marked.delete(key);
    for (const row of document.querySelectorAll("[data-live-region] [data-live-key].arrived"))
      if (!marked.has(row.dataset.liveKey)) row.classList.remove("arrived");
    for (const key of marked.keys()) document.querySelector(`[data-live-region] [data-live-key="${CSS.escape(key)}"]`)?.classList.add("arrived");
    clearTimeout(unmarkTimer);
    const next = Math.min(...marked.values());
    if (Number.isFinite(next)) unmarkTimer = setTimeout(markArrived, next - now);
  }
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) return;
    for (const [key, until] of marked) if (until === Infinity) marked.set(key, performance.now() + markFor);
    markArrived();
  });
  // What arrived while no event could reach the page (the socket was down, a gap in a stream, the moments between the page's
  // render and its socket joining) comes with the refetch that follows: it is said and tinted like the rest. An incident row
  // counts if it opened after the region the page had was rendered (server times, data-opened and data-rendered-at: an
  // incident that only moved onto the page is not new); a timeline entry if its number is above the last one the page had.
  let catchingUp = false;
  function shownRows() {
    const keys = new Set([...document.querySelectorAll("[data-live-region] [data-live-key]")].map(row => row.dataset.liveKey));
    const renderedAt = Math.max(...[...document.querySelectorAll("[data-live-region][data-rendered-at]")].map(region => Number(region.dataset.renderedAt)));
    const lastEntry = Math.max(...[...document.querySelectorAll("[data-live-region=timeline] [data-live-key]")].map(li => Number(li.dataset.liveKey)));
    return { keys, renderedAt, lastEntry };
  }
  function noticeArrivedWhileAway(before) {
    if (page !== "triage" && page !== "status" && page !== "incident") return;
    for (const row of document.querySelectorAll("[data-live-region] [data-live-key]")) {
      const key = row.dataset.liveKey;
      if (before.keys.has(key) || arriving.has(key) || arriving.size > 500) continue;
      if (page === "incident" ? Number(key) > before.lastEntry : Number(row.dataset.opened) > before.renderedAt)
        arriving.set(key, { incident: page === "incident" ? undefined : incidentOnRow(row), at: performance.now() });
    }
  }
  const incidentOnRow = row => ({
    reference: row.querySelector(".ref")?.textContent.trim() ?? "",
    severity: row.querySelector(".sev")?.firstChild?.textContent.trim() ?? "",
    title: row.querySelector("a[href^='/incidents/']")?.textContent.trim() ?? "",
  });
  const shorten = text => (text.length > 200 ? `${text.slice(0, 200)}…` : text);
  const sentence = text => (/[.!?…]$/.test(text) ? text : `${text}.`);
  // An entry as the timeline shows it: its kind, who, what.
  const entrySaid = li => {
    const part = name => li.querySelector(`.${name}`)?.textContent.trim() ?? "";
    return `${part("kind")} from ${part("actor")}: ${shorten(part("entry-text"))}`;
  };
  function sayArrivals() {
    sayTimer = 0;
    lastSaid = performance.now();
    if (arrived[0].entry) {
      const latest = entrySaid(arrived.at(-1).entry);
      announcer.textContent = sentence(arrived.length === 1 ? latest : `${arrived.length} new timeline entries. The latest: ${latest}`);
    } else {
      const first = arrived.reduce((a, b) => (b.severity < a.severity ? b : a)); // "Sev1" < "Sev2"; the earlier of equals
      const what = `${first.reference}, ${first.severity}: ${shorten(first.title)}`;
      announcer.textContent = sentence(arrived.length === 1 ? `New incident ${what}` : `${arrived.length} new incidents. The most severe: ${what}`);
    }
    arrived = [];
  }

  // After a deploy or a dropped backplane every open page reconnects: each waits a random half to one and a half times its
  // back-off, so the server meets those reconnects (and the refetches that follow them) spread out, not all at the same moments.
  const spread = ms => ms / 2 + Math.random() * ms;
  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/status")
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => spread(Math.min(500 * 2 ** ctx.previousRetryCount, 10000)) })
    .build();

  for (const name of ["IncidentCreated", "IncidentChanged", "IncidentAssigned", "TimelineEntryAdded",
                      "AdvisoryPublished", "AdvisoryUpdated", "EscalationRaised"]) {
    connection.on(name, onSequenced);
  }
  for (const name of ["IncidentCreated", "IncidentChanged", "IncidentAssigned", "TimelineEntryAdded"]) connection.on(name, onArriving);
  // For MSP people (the page has #live-alerts only for them), an escalation or a provider's advisory for one of their tenants
  // is said on top of whatever live page is open, not only on the page it concerns: a line with a link, kept until
  // dismissed, the newest first, five at most. An event comes on several streams (the MSP's and each tenant's), so each is
  // shown once. What was missed while no page was open, another was loading or the connection was down comes with the page
  // (#pending-alerts, rendered again with every refresh, and a reconnect refreshes); a line dismissed stays dismissed on this
  // browser, on every page. Built as text: a title is never read as markup.
  const alerts = document.getElementById("live-alerts");
  const alertsShown = new Set();
  const pageTitle = document.title;
  // The tab says how many lines wait, for an engineer whose Portal tab is behind another, and how much arrived on the page
  // while it was not looked at ("(2 new)": the incidents or timeline entries said above), until it is looked at again.
  let unseen = 0;
  function countInTitle() {
    const lines = alerts?.childElementCount ?? 0;
    document.title = `${lines > 0 ? `(${lines}) ` : ""}${unseen > 0 ? `(${unseen} new) ` : ""}${pageTitle}`;
  }
  function arrivedUnseen() {
    if (!document.hidden) return;
    unseen++;
    countInTitle();
  }
  document.addEventListener("visibilitychange", () => {
    if (document.hidden || unseen === 0) return;
    unseen = 0;
    countInTitle();
  });
  // Dismissed lines by key, per user on this browser, each kept two days: longer than a missed line is said again (24 hours).
  const dismissedKey = `portal.dismissedAlerts.${alerts?.dataset.userId}`;
  function dismissed() {
    let saved;
    try {
      saved = JSON.parse(localStorage.getItem(dismissedKey) || "{}");
    } catch {
      saved = {};
    }
    return saved && typeof saved === "object" ? saved : {};
  }
  function dismiss(key) {
    const saved = dismissed();
    const now = Date.now();
    for (const [k, at] of Object.entries(saved)) if (!(now - at < 2 * 24 * 3600 * 1000)) delete saved[k];
    saved[key] = now;
    try {
      localStorage.setItem(dismissedKey, JSON.stringify(saved));
    } catch {
      // Storage refused (private mode, full): the line stays dismissed on this page only.
    }
  }
  function showAlert(key, at, kind, text, href, linkText) {
    if (!alerts || alertsShown.has(key) || Object.hasOwn(dismissed(), key)) return;
    alertsShown.add(key);
    const alert = document.createElement("div");
    alert.className = `live-alert ${kind}`;
    alert.dataset.at = String(at);
    const title = document.createElement("strong");
    title.textContent = text;
    const link = document.createElement("a");
    link.href = href;
    link.textContent = linkText;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Dismiss";
    button.setAttribute("aria-label", `Dismiss: ${text}`); // several lines, several buttons: each says which
    button.addEventListener("click", () => {
      dismiss(key);
      alert.remove();
      countInTitle();
    });
    alert.append(title, link, button);
    // Newest first by the time of what it says (a missed line can come after a newer live one); never moved once shown.
    // A line put above the queue pushes its rows down as a new Sev1 does, under a pointer on its way to one (or to an older
    // line's Dismiss): what the hand aims at stays under it here too.
    const aim = aimedAt();
    const older = [...alerts.children].find(line => Number(line.dataset.at) <= at);
    alerts.insertBefore(alert, older ?? null);
    while (alerts.childElementCount > 5) alerts.lastElementChild.remove();
    if (aim) keepAimedAt(aim);
    countInTitle();
  }
  // A notice as the hub sends it or as #pending-alerts lists it ({kind, subjectId, incidentId, title, at}). An advisory's
  // announcements are told apart by the advisory's own time (at), the same in both; an escalation by its id.
  function sayAlert(e) {
    const at = Date.parse(e.at);
    if (e.kind === "EscalationRaised") {
      showAlert(`escalation ${e.subjectId}`, at, "escalation", `Escalated: ${e.title}`,
        `/incidents/${encodeURIComponent(e.incidentId)}`, "Open the incident");
    } else if (e.kind === "AdvisoryPublished" || e.kind === "AdvisoryUpdated") {
      showAlert(`advisory ${e.subjectId} ${at}`, at, "advisory", `${e.kind === "AdvisoryPublished" ? "New advisory" : "Advisory updated"}: ${e.title}`,
        `/advisories/${encodeURIComponent(e.subjectId)}`, "Open the advisory");
    }
  }
  function sayMissed(doc) {
    const data = doc.getElementById("pending-alerts");
    if (!alerts || !data) return;
    let pending;
    try {
      pending = JSON.parse(data.textContent);
    } catch {
      return;
    }
    if (Array.isArray(pending)) pending.forEach(sayAlert);
  }
  for (const name of ["EscalationRaised", "AdvisoryPublished", "AdvisoryUpdated"]) connection.on(name, sayAlert);
  sayMissed(document);
  connection.on("TaskProgress", event => { if (concernsPage(event)) scheduleRefresh(); });
  // An import's progress goes to the MSP's tenant stream; the remediation page of its incident follows it.
  // A provider's dashboard recounts when its advisory's reach or recovery moved (coalesced on the server, ids only).
  connection.on("AdvisoryImpactChanged", event => { if (page === "advisory" && event.advisoryId === advisoryId) scheduleRefresh(); });
  connection.on("ImportProgress", event => { if (page === "incident" && event.import.incidentId === incidentId) scheduleRefresh(); });

  async function joined() {
    lastSequence.clear(); // a new connection may have missed anything: start counting again and refetch
    catchingUp = true;
    if (page === "incident" && incidentId) {
      const watch = await connection.invoke("WatchIncident", incidentId);
      lastSequence.set(watch.stream, watch.sequence);
    }
    show("live", "Live");
    scheduleRefresh();
  }

  connection.onreconnecting(() => show("reconnecting", "Reconnecting…"));
  connection.onreconnected(() => joined().catch(() => show("offline", "Offline")));
  connection.onclose(() => {
    if (ended) return;
    show("offline", "Offline — retrying");
    setTimeout(start, spread(5000));
  });

  async function start() {
    try {
      show("connecting", "Connecting…");
      await connection.start();
      await joined();
    } catch {
      show("offline", "Offline — retrying");
      setTimeout(start, spread(5000));
    }
  }
  start();
})();
