import { webPaths } from "@keyflow/schemas";
import { waitFor } from "@keyflow/testing";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./browser";
import { expectNoSidewaysScroll } from "./layout";
import { useTestServer } from "./server";
import { createWebUser, signIn, type WebUser } from "./users";

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The part of the graph a person sees: the scroll area without its scrollbars, cut to the window. */
async function visibleCanvas(page: Page): Promise<Box> {
  return page.getByTestId("graph-viewport").evaluate((el) => {
    const r = el.getBoundingClientRect();
    const x = Math.max(0, r.left + el.clientLeft);
    const y = Math.max(0, r.top + el.clientTop);
    return {
      x,
      y,
      width: Math.min(window.innerWidth, r.left + el.clientLeft + el.clientWidth) - x,
      height: Math.min(window.innerHeight, r.top + el.clientTop + el.clientHeight) - y,
    };
  });
}

const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x - 0.5 &&
  inner.y >= outer.y - 0.5 &&
  inner.x + inner.width <= outer.x + outer.width + 0.5 &&
  inner.y + inner.height <= outer.y + outer.height + 0.5;

const nodeButton = (page: Page, kindAndName: string) =>
  page.getByTestId("graph-svg").getByRole("button", { name: kindAndName });

/** The node's box, once it is wholly inside the visible canvas. */
async function nodeInView(page: Page, node: Locator, what: string): Promise<Box> {
  // settled: the same place on two probes in a row (a wheel scroll or the canvas following the
  // selection may still be moving it, and a click would then land beside it)
  let last: Box | null = null;
  return waitFor(
    `${what} inside the visible canvas, settled`,
    async () => {
      const box = await node.locator(".node-box").boundingBox();
      const settled = box && last && box.x === last.x && box.y === last.y;
      last = box;
      return box && settled && inside(box, await visibleCanvas(page)) ? box : null;
    },
    { intervalMs: 60 },
  );
}

/**
 * Scrolls the canvas the way a person does (the mouse wheel over it, `dx` first) until the node is
 * in view: when the canvas has settled with the node still outside (it was still following the
 * previous selection, say), the wheel turns again by the distance left.
 */
async function wheelTo(page: Page, node: Locator, dx: number, what: string): Promise<Box> {
  const wheel = async (x: number, y: number) => {
    const canvas = await visibleCanvas(page);
    await page.mouse.move(canvas.x + canvas.width / 2, canvas.y + canvas.height / 2);
    await page.mouse.wheel(x, y);
  };
  await wheel(dx, 0);
  let last: Box | null = null;
  return waitFor(
    `${what} scrolled inside the visible canvas, settled`,
    async () => {
      const box = await node.locator(".node-box").boundingBox();
      const settled = box && last && box.x === last.x && box.y === last.y;
      last = box;
      if (!box || !settled) return null;
      const canvas = await visibleCanvas(page);
      if (inside(box, canvas)) return box;
      await wheel(
        box.x + box.width / 2 - (canvas.x + canvas.width / 2),
        box.y + box.height / 2 - (canvas.y + canvas.height / 2),
      );
      last = null;
      return null;
    },
    { intervalMs: 60, timeoutMs: 30_000 },
  );
}

/** Clicks where the node is drawn: no automatic scrolling, as a person would. */
async function clickAt(page: Page, box: Box) {
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

const refresh = (page: Page) =>
  page.locator(".graph-toolbar").getByRole("button", { name: "Refresh" }).click();

/** input → translate (compute) → output, set up through the API. */
async function chainProject(user: WebUser, name: string) {
  const { api } = user;
  const project = await api.projects.create.mutate({ name });
  const g = api.graph;
  const input = await g.createNode.mutate({ projectId: project.id, name: "input", kind: "data" });
  const translate = await g.createNode.mutate({ projectId: project.id, name: "translate", kind: "compute" });
  const output = await g.createNode.mutate({ projectId: project.id, name: "output", kind: "data" });
  await g.createLink.mutate({ projectId: project.id, fromNodeId: input.id, toNodeId: translate.id });
  await g.createLink.mutate({ projectId: project.id, fromNodeId: translate.id, toNodeId: output.id });
  return { project, input, translate, output };
}

describe("graph page: canvas, node panel and phones", () => {
  const server = useTestServer();
  const browser = useBrowser(() => server().url);

  it("builds input → compute → output at 1280 × 800: kind defaults to data, every node reachable, one layer selector, ids, kinds, files", async () => {
    const s = await browser.open({ viewport: { width: 1280, height: 800 } });
    const { page } = s;
    await s.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server().url });
    const ada = await createWebUser(server().url, "Ada Lovelace");
    const project = await ada.api.projects.create.mutate({ name: "Translations" });
    await signIn(page, ada);
    await page.goto(webPaths.project(project.id, "graph"));

    // ---- "Add node" starts as a data node every time, whatever the last node was
    const addNode = async (name: string, kind: "data" | "compute") => {
      await page
        .getByRole("button", { name: /Add (the first )?node/ })
        .first()
        .click();
      const dialog = page.getByRole("dialog", { name: "Add node" });
      expect(await dialog.getByLabel("Kind").inputValue()).toBe("data");
      expect(await dialog.getByLabel("Name").inputValue()).toBe("");
      await dialog.getByLabel("Name").fill(name);
      if (kind === "compute") await dialog.getByLabel("Kind").selectOption("compute");
      await dialog.getByRole("button", { name: "Add node" }).click();
      await dialog.waitFor({ state: "hidden" });
      await page.getByRole("complementary", { name: `Node ${name}` }).waitFor();
    };
    await addNode("input", "data");
    await addNode("translate", "compute");
    await addNode("output", "data");
    const nodes = (await ada.api.graph.get.query({ projectId: project.id })).nodes;
    const id = (name: string) => nodes.find((n) => n.name === name)!.id;
    expect(nodes.find((n) => n.name === "output")?.kind).toBe("data");
    await ada.api.graph.createLink.mutate({
      projectId: project.id,
      fromNodeId: id("input"),
      toNodeId: id("translate"),
    });
    await ada.api.graph.createLink.mutate({
      projectId: project.id,
      fromNodeId: id("translate"),
      toNodeId: id("output"),
    });
    await refresh(page);
    await page.locator(".edge").nth(1).waitFor({ state: "attached" });

    // ---- with the panel open the chain is wider than the canvas: the selected node is scrolled
    // into view, and the wheel reaches the others; each is clicked where it is drawn
    const input = nodeButton(page, "data node input");
    const translate = nodeButton(page, "compute node translate");
    const output = nodeButton(page, "data node output");
    const panel = (name: string) => page.getByRole("complementary", { name: `Node ${name}` });
    await nodeInView(page, output, "the selected output node");
    expect(await output.getAttribute("aria-pressed")).toBe("true");
    await s.screenshot("graph-page-01-chain-selected-output-1280");
    await clickAt(page, await wheelTo(page, input, -2000, "input"));
    await panel("input").waitFor();
    await clickAt(page, await wheelTo(page, output, 2000, "output"));
    await panel("output").waitFor();
    await clickAt(page, await nodeInView(page, translate, "translate"));
    await panel("translate").waitFor();

    // "Fit to view" shows all three at once; "Actual size" goes back
    await page.getByRole("button", { name: "Fit to view" }).click();
    for (const [node, what] of [
      [input, "input"],
      [translate, "translate"],
      [output, "output"],
    ] as const)
      await nodeInView(page, node, `${what} after Fit to view`);
    await s.screenshot("graph-page-02-fit-to-view-1280");
    await clickAt(page, await nodeInView(page, input, "input"));
    await panel("input").waitFor();
    await page.getByRole("button", { name: "Actual size" }).click();
    await page.getByRole("button", { name: "Fit to view" }).waitFor();

    // ---- the data node: no job parameters, its id with a copy button, one layer selector
    const inputPanel = panel("input");
    expect(await inputPanel.getByLabel("Parameters (JSON object)").count()).toBe(0);
    expect(await inputPanel.getByTestId("node-id").textContent()).toBe(String(id("input")));
    await inputPanel.getByRole("button", { name: "Copy node id" }).click();
    await waitFor("the node id in the clipboard", async () =>
      (await page.evaluate(() => navigator.clipboard.readText())) === String(id("input")) ? true : null,
    );
    const layerSelectors = page.getByRole("combobox", { name: "Data layer" });
    expect(await layerSelectors.count()).toBe(1);
    await inputPanel.getByRole("tab", { name: "Packages" }).click();
    await inputPanel.getByTestId("layer-note").getByText("main (shared)").waitFor();
    expect(await layerSelectors.count()).toBe(1);

    // ---- the compute node has parameters and jobs, still with one layer selector
    await clickAt(page, await nodeInView(page, translate, "translate"));
    const translatePanel = panel("translate");
    await translatePanel.getByLabel("Parameters (JSON object)").waitFor();
    await translatePanel.getByRole("tab", { name: "Jobs" }).click();
    await translatePanel.getByTestId("layer-note").waitFor();
    expect(await layerSelectors.count()).toBe(1);

    // ---- "Save file": a confirmation that lasts until the next edit, and the server's refusal
    await translatePanel.getByRole("tab", { name: "Files" }).click();
    await translatePanel.getByRole("button", { name: "+ New file" }).click();
    const fileDialog = page.getByRole("dialog", { name: "New file" });
    await fileDialog.getByRole("button", { name: "Create file" }).click();
    await fileDialog.waitFor({ state: "hidden" });
    const editor = translatePanel.getByLabel("Content of main.py");
    await editor.fill("print('bonjour')\n");
    await translatePanel.getByRole("button", { name: "Save file" }).click();
    const fileSaved = translatePanel.getByRole("status").getByText("File saved");
    await fileSaved.waitFor();
    // the file list reloads after the save (nothing left to save then): the confirmation stays,
    // through a graph reload too
    const saveFile = translatePanel.getByRole("button", { name: "Save file" });
    await waitFor("nothing left to save", () => saveFile.isDisabled());
    await refresh(page);
    await page.locator(".graph-toolbar .btn[aria-busy]").waitFor({ state: "detached" });
    expect(await fileSaved.isVisible()).toBe(true);
    expect(await editor.inputValue()).toBe("print('bonjour')\n");
    await s.screenshot("graph-page-03-file-saved-1280");
    await editor.fill("print('bonjour')\nprint('salut')\n");
    expect(await fileSaved.count()).toBe(0);

    // ---- a failed job: the compute node says so in its name
    const [layer] = await ada.api.dataLayers.list.query({ projectId: project.id });
    await ada.api.packages.create.mutate({ nodeId: id("input"), dataLayerId: layer!.id, label: "hello" });
    await server()
      .db.updateTable("jobs")
      .set({ state: "failed", error: "exit code 1", finished_at: new Date() })
      .where("node_id", "=", id("translate"))
      .execute();
    await refresh(page);
    await nodeButton(page, "compute node translate, last job failed").waitFor();

    // ---- a node holding packages or files keeps its kind; an empty one changes it
    await translatePanel.getByRole("tab", { name: "Description" }).click();
    await translatePanel.getByLabel("Kind").selectOption("data");
    await translatePanel.getByRole("button", { name: "Save", exact: true }).click();
    await translatePanel
      .getByRole("alert")
      .getByText(/only a node without packages or files/)
      .waitFor();
    await clickAt(page, await wheelTo(page, output, 2000, "output"));
    const outputPanel = panel("output");
    await outputPanel.getByLabel("Kind").selectOption("compute");
    await outputPanel.getByLabel("Entry file").waitFor();
    await outputPanel.getByRole("button", { name: "Save", exact: true }).click();
    await outputPanel.getByRole("status").getByText("Saved").waitFor();
    await nodeButton(page, "compute node output").waitFor();
    await outputPanel.getByRole("tab", { name: "Jobs" }).waitFor();
    expect(await outputPanel.getByLabel("Entry file").inputValue()).toBe("main.py");
    await s.screenshot("graph-page-04-kind-changed-1280");
    await outputPanel.getByLabel("Kind").selectOption("data");
    expect(await outputPanel.getByRole("status").getByText("Saved").count()).toBe(0);
    await outputPanel.getByRole("button", { name: "Save", exact: true }).click();
    await nodeButton(page, "data node output").waitFor();
    const stored = await ada.api.graph.get.query({ projectId: project.id });
    expect(stored.nodes.find((n) => n.name === "output")).toMatchObject({ kind: "data", runtime: null });
    await expectNoSidewaysScroll(s.page, "the graph page");

    // ---- a refused save says why (here someone deleted the node meanwhile), and the edit stays
    await clickAt(page, await wheelTo(page, translate, -2000, "translate"));
    await translatePanel.getByRole("tab", { name: "Files" }).click();
    await editor.fill("print('bonjour')\nprint('salut')\n");
    await ada.api.graph.deleteNode.mutate({ nodeId: id("translate") });
    await translatePanel.getByRole("button", { name: "Save file" }).click();
    await translatePanel
      .getByRole("alert")
      .getByText(/not found/i)
      .waitFor();
    expect(await fileSaved.count()).toBe(0);
    expect(await editor.inputValue()).toContain("salut");
    await s.screenshot("graph-page-05-file-refused-1280");
    s.takeHttpErrors(/^400 \/trpc\/graph\.updateNode/, /^404 \/trpc\/graph\.putFile/);
  });

  it("works at 390 × 844: every node of the chain is reachable and the panel opens below the canvas", async () => {
    const s = await browser.open({ viewport: { width: 390, height: 844 } });
    const { page } = s;
    const grace = await createWebUser(server().url, "Grace Hopper");
    const { project, output } = await chainProject(grace, "Phone pipeline");
    await signIn(page, grace);
    await page.goto(webPaths.project(project.id, "graph"));
    const input = nodeButton(page, "data node input");
    const translate = nodeButton(page, "compute node translate");
    const outputNode = nodeButton(page, "data node output");
    await input.waitFor();
    await s.screenshot("graph-page-06-graph-390");
    await expectNoSidewaysScroll(s.page, "the graph page");

    // the toolbar fits: its controls are inside the window
    for (const control of [
      page.getByRole("button", { name: "+ Add node" }),
      page.getByRole("combobox", { name: "Data layer" }),
      page.getByRole("button", { name: "Refresh", exact: true }),
    ]) {
      const box = (await control.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }

    const panelInView = async (name: string) => {
      const title = page
        .getByRole("complementary", { name: `Node ${name}` })
        .getByRole("heading", { name, exact: true });
      const box = await waitFor(`the panel of ${name} in the window`, async () => {
        const b = await title.boundingBox();
        return b && b.y + b.height <= 844 && b.x >= 0 && b.x + b.width <= 390 ? b : null;
      });
      return box;
    };
    await clickAt(page, await nodeInView(page, input, "input"));
    await panelInView("input");
    await s.screenshot("graph-page-07-panel-below-390");
    await clickAt(page, await wheelTo(page, translate, 300, "translate"));
    await panelInView("translate");
    await clickAt(page, await wheelTo(page, outputNode, 2000, "output"));
    await panelInView("output");
    expect(await page.getByTestId("node-id").textContent()).toBe(String(output.id));
    await expectNoSidewaysScroll(s.page, "the graph page");

    await page.getByRole("button", { name: "Fit to view" }).click();
    for (const [node, what] of [
      [input, "input"],
      [translate, "translate"],
      [outputNode, "output"],
    ] as const)
      await nodeInView(page, node, `${what} after Fit to view`);
    await s.screenshot("graph-page-08-fit-to-view-390");
  });
});
